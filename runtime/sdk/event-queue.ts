// An unbounded queue read as an async iterator: the clients push events as they arrive and end the
// queue when they close, and a consumer `for await`s them at its own pace.

/** A queue of items consumed by `for await`. */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #waiters: Array<(result: IteratorResult<T>) => void> = [];
  #ended = false;
  #onReturn: (() => void) | undefined;

  /** `onReturn` runs once when the consumer stops early (break) or the queue ends. */
  constructor(onReturn?: () => void) {
    this.#onReturn = onReturn;
  }

  /** Adds an item (ignored once the queue has ended). */
  push(item: T): void {
    if (this.#ended) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter({ value: item, done: false });
    else this.#items.push(item);
  }

  /** Ends the queue: items already queued are still read, then iteration stops. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter({ value: undefined, done: true });
    this.#release();
  }

  /** Items waiting to be read. */
  get size(): number {
    return this.#items.length;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift() as T, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.#items = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #release(): void {
    const onReturn = this.#onReturn;
    this.#onReturn = undefined;
    onReturn?.();
  }
}
