// A list that draws only the rows in sight, so a view of 100,000 tasks costs as much as one of 40:
// a scrolling box holds a spacer as tall as every row, and the rows under the viewport are made on
// each scroll or change. Rows are a grid whose columns the caller names; each row may link.
import { el } from './dom.ts';

/** One column: its heading and the CSS grid width. */
export interface Column<T> {
  readonly title: string;
  readonly width: string;
  readonly cell: (row: T) => Node | string | number;
}

/** Height of one row in pixels (styles.css `.vlist .row`). */
const row_height_px = 26;
/** Rows drawn beyond the viewport on each side, so a quick scroll shows no gap. */
const overscan_rows = 10;

/** A virtualised list in `parent`; `update(rows)` replaces its rows. */
export class VirtualList<T> {
  readonly box: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private rows: readonly T[] = [];
  private readonly template: string;
  private frame = 0;
  private readonly columns: readonly Column<T>[];

  constructor(parent: HTMLElement, label: string, columns: readonly Column<T>[]) {
    this.columns = columns;
    this.template = columns.map((c) => c.width).join(' ');
    const head = el(
      'div',
      { class: 'head', role: 'row' },
      ...columns.map((c) => el('span', { role: 'columnheader' }, c.title)),
    );
    head.style.gridTemplateColumns = this.template;
    this.spacer = el('div', { class: 'spacer', 'aria-hidden': 'true' });
    this.body = el('div', { role: 'rowgroup' });
    this.box = el(
      'div',
      { class: 'vlist', role: 'table', 'aria-label': label, tabindex: '0' },
      head,
      this.spacer,
      this.body,
    );
    this.box.addEventListener('scroll', () => this.schedule());
    parent.append(this.box);
  }

  /** Replaces the rows and redraws the visible ones. */
  update(rows: readonly T[]): void {
    this.rows = rows;
    this.box.setAttribute('aria-rowcount', String(rows.length + 1));
    this.spacer.style.height = `${(rows.length + 1) * row_height_px}px`;
    this.draw();
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const top = this.box.scrollTop;
    const height = this.box.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / row_height_px) - overscan_rows);
    const last = Math.min(this.rows.length, Math.ceil((top + height) / row_height_px) + overscan_rows);
    const made: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const row = this.rows[i]!;
      const node = el('div', { class: 'row', role: 'row', 'aria-rowindex': String(i + 2) });
      node.style.gridTemplateColumns = this.template;
      // The header row takes the first slot.
      node.style.top = `${(i + 1) * row_height_px}px`;
      for (const c of this.columns) node.append(el('span', { role: 'cell' }, c.cell(row)));
      made.push(node);
    }
    this.body.replaceChildren(...made);
  }

  /** Rows the list holds (not only those drawn). */
  get size(): number {
    return this.rows.length;
  }
}
