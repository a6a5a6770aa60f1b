// A live list: a labelled filter box over a virtualised list, redrawn from the store after each
// batch of events (not on a timer). Views of agents, frameworks and tasks are made of these.
import { el } from '../app/dom.ts';
import { type Column, VirtualList } from '../app/virtual-list.ts';
import { liveLink } from './connection.ts';
import type { LiveStore } from './store.ts';

/** What a live list shows. */
export interface ListSpec<T> {
  /** The list's accessible name and heading. */
  readonly label: string;
  readonly columns: readonly Column<T>[];
  /** The rows, from the store. */
  readonly rows: (store: LiveStore) => readonly T[];
  /** The text a filter matches against. */
  readonly text: (row: T) => string;
}

/** Puts a live list into `parent`; returns what stops it. */
export function liveList<T>(parent: HTMLElement, spec: ListSpec<T>): () => void {
  const store = liveLink().store;
  const id = `filter-${spec.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const input = el('input', { id, type: 'search', placeholder: 'id, name, host, state...' });
  const count = el('span', { class: 'muted', 'aria-live': 'polite' });
  parent.append(
    el(
      'div',
      { class: 'toolbar' },
      el('label', { for: id }, `Filter ${spec.label.toLowerCase()}`),
      input,
      count,
    ),
  );
  const list = new VirtualList<T>(parent, spec.label, spec.columns);
  let seen = -1;
  const draw = (force = false): void => {
    if (!force && seen === store.version) return;
    seen = store.version;
    const needle = input.value.trim().toLowerCase();
    const all = spec.rows(store);
    const rows = needle === '' ? all : all.filter((r) => spec.text(r).toLowerCase().includes(needle));
    list.update(rows);
    count.textContent = needle === '' ? `${all.length}` : `${rows.length} of ${all.length}`;
  };
  input.addEventListener('input', () => draw(true));
  draw(true);
  return store.onChange(() => draw());
}
