// The texts of tasks on the state page, kept from one page to the next. A task's text changes only
// with its state, and most tasks of a large cluster (all of its completed ones) do not change
// between two reads, so a page read again copies them rather than writing them anew. The texts
// are not kept as strings (a large cluster's would be as large as its page, and would burden the
// garbage collector with it): a task's entry says where its text lies in the buffer of the last
// page that held it. Tasks that lay side by side there, and still do, are copied in one piece.
//
// Page buffers are reused (state-json.ts keeps them): a buffer written over is `retire`d first,
// which makes every entry pointing into it stale.
//
// Entries sit in a plain Map, swept after each page of the tasks it did not show, rather than in a
// WeakMap keyed by the task views: V8 marks a WeakMap's entries as ephemerons, and with hundreds of
// thousands of them every full collection of the master's heap took several times longer (0.7 s
// against 0.05 s for 200,000 tasks), which the first read of a large page paid.
import type { TaskView } from '../../engine/master/view.ts';
import type { JsonWriter } from './json-writer.ts';

/** Where a task's text lies, and what it said of the task. */
interface Entry {
  /** The last page that showed the task. */
  seen: number;
  statuses: number;
  state: string;
  buf: Buffer;
  /** The generation of `buf` when the text was written into it. */
  generation: number;
  start: number;
  end: number;
}

const comma_byte = 0x2c;

/** Kept task texts, shared by every page of one process. */
export class TaskTexts {
  readonly #entries = new Map<TaskView, Entry>();
  /** The page being written (counts pages). */
  #page = 0;
  /** How many times each buffer has been retired (written over); absent is 0. */
  readonly #generations = new WeakMap<Buffer, number>();
  /** Entries in the run being gathered (reused from list to list). */
  readonly #run: Entry[] = [];
  #runBuf: Buffer | undefined;
  #runStart = 0;
  #runEnd = 0;

  /** Number of tasks whose texts are kept. */
  get kept(): number {
    return this.#entries.size;
  }

  /** Starts a page: what it shows is marked seen. */
  beginPage(): void {
    this.#page++;
  }

  /** Ends a page: forgets the tasks it did not show (ended and trimmed, or gone with their framework). */
  endPage(): void {
    const page = this.#page;
    for (const [task, entry] of this.#entries) if (entry.seen !== page) this.#entries.delete(task);
  }

  /** Marks a buffer as about to be written over: texts kept in it are stale from now on. */
  retire(buf: Buffer): void {
    this.#generations.set(buf, (this.#generations.get(buf) ?? 0) + 1);
  }

  /** Writes `tasks` as the items of a JSON list (comma separated), each by `write` unless kept. */
  writeItems(
    w: JsonWriter,
    tasks: readonly TaskView[],
    write: (w: JsonWriter, task: TaskView) => void,
  ): void {
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      const entry = this.#entries.get(task);
      if (entry !== undefined) entry.seen = this.#page;
      if (entry !== undefined && this.#fresh(entry, task)) {
        if (this.#extends(entry)) {
          this.#runEnd = entry.end;
          this.#run.push(entry);
          continue;
        }
        this.#flush(w);
        if (i > 0) w.raw(',');
        this.#runBuf = entry.buf;
        this.#runStart = entry.start;
        this.#runEnd = entry.end;
        this.#run.push(entry);
        continue;
      }
      this.#flush(w);
      if (i > 0) w.raw(',');
      const start = w.length;
      write(w, task);
      this.#keep(task, entry, w, start);
    }
    this.#flush(w);
  }

  /** True when the entry's text is still the task's and its buffer has not been written over. */
  #fresh(entry: Entry, task: TaskView): boolean {
    return (
      entry.statuses === task.statuses.length &&
      entry.state === task.state &&
      (this.#generations.get(entry.buf) ?? 0) === entry.generation
    );
  }

  /** True when the entry's text follows the run's, one comma apart, in the same buffer. */
  #extends(entry: Entry): boolean {
    return (
      this.#runBuf !== undefined &&
      entry.buf === this.#runBuf &&
      entry.start === this.#runEnd + 1 &&
      entry.buf[this.#runEnd] === comma_byte
    );
  }

  /** Records where the text just written lies (reusing the task's old entry). */
  #keep(task: TaskView, old: Entry | undefined, w: JsonWriter, start: number): void {
    const buf = w.buffer();
    const generation = this.#generations.get(buf) ?? 0;
    if (old === undefined) {
      this.#entries.set(task, {
        seen: this.#page,
        statuses: task.statuses.length,
        state: task.state,
        buf,
        generation,
        start,
        end: w.length,
      });
      return;
    }
    old.statuses = task.statuses.length;
    old.state = task.state;
    old.buf = buf;
    old.generation = generation;
    old.start = start;
    old.end = w.length;
  }

  /** Copies the gathered run into the page in one piece, and moves its entries there. */
  #flush(w: JsonWriter): void {
    const source = this.#runBuf;
    if (source === undefined) return;
    const at = w.length;
    w.copy(source, this.#runStart, this.#runEnd);
    const buf = w.buffer();
    const generation = this.#generations.get(buf) ?? 0;
    const shift = at - this.#runStart;
    for (const entry of this.#run) {
      entry.buf = buf;
      entry.generation = generation;
      entry.start += shift;
      entry.end += shift;
    }
    this.#run.length = 0;
    this.#runBuf = undefined;
  }
}
