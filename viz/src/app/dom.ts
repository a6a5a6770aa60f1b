// Small builders for the page's elements, so views read as the markup they make.

type Child = Node | string | number | null | undefined;

/** An element with attributes (`class`, `aria-*`, ...) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | undefined>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A table with a caption, a header row and rows of cells. */
export function table(caption: string, head: readonly string[], rows: readonly Child[][]): HTMLTableElement {
  return el(
    'table',
    {},
    el('caption', {}, caption),
    // A table of names and values has no headings worth a row.
    head.every((h) => h === '')
      ? null
      : el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))),
  );
}

/** A link to a view of the app. */
export function link(hash: string, text: string): HTMLAnchorElement {
  return el('a', { href: hash }, text);
}

/** A time (ms since the epoch) as the page prints it: local date and time to the second. */
export function formatTime(ms: number): string {
  if (!(ms > 0)) return '-';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
