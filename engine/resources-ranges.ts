// Range and set values of resources in normal form, the building blocks of resource entries
// (engine/resource-entries.ts). A normal range list is sorted by begin with no two ranges overlapping
// or touching (Mesos coalesces [1-5] and [6-9] into [1-9]); a normal item list is sorted by code unit
// with no duplicates. Every binary operation here takes normal lists and returns a normal list in one
// linear pass, because the allocator calls them on every offer.
import type { ValueRange } from './resource-types.ts';

/** Throws unless the range has integer bounds with 0 <= begin <= end. */
function validateRange(range: ValueRange): void {
  const { begin, end } = range;
  if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) {
    throw new Error(`bad range [${begin}-${end}]: bounds must be integers`);
  }
  if (begin < 0) throw new Error(`bad range [${begin}-${end}]: bounds must not be negative`);
  if (begin > end) throw new Error(`bad range [${begin}-${end}]: begin is greater than end`);
}

/** Validates, sorts and coalesces ranges; returns the input itself when it is already normal. */
export function normalizeRanges(list: readonly ValueRange[]): readonly ValueRange[] {
  let normal = true;
  for (let i = 0; i < list.length; i++) {
    const range = list[i]!;
    validateRange(range);
    if (i > 0 && list[i - 1]!.end + 1 >= range.begin) normal = false;
  }
  if (normal) return list;
  const sorted = [...list].sort((x, y) => x.begin - y.begin || x.end - y.end);
  const out: ValueRange[] = [];
  for (const range of sorted) pushCoalesced(out, range);
  return out;
}

/** Appends a range to a normal list whose last begin is <= range.begin, merging when they meet. */
function pushCoalesced(out: ValueRange[], range: ValueRange): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.end + 1 >= range.begin) {
    if (range.end > last.end) out[out.length - 1] = { begin: last.begin, end: range.end };
  } else {
    out.push(range);
  }
}

/** Union of two normal range lists. */
export function addRanges(a: readonly ValueRange[], b: readonly ValueRange[]): readonly ValueRange[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: ValueRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.begin <= y.begin)) {
      pushCoalesced(out, x!);
      i++;
    } else {
      pushCoalesced(out, y);
      j++;
    }
  }
  return out;
}

/** The part of normal list a outside normal list b; splits ranges where b cuts through them. */
export function subtractRanges(a: readonly ValueRange[], b: readonly ValueRange[]): readonly ValueRange[] {
  if (a.length === 0 || b.length === 0) return a;
  const out: ValueRange[] = [];
  let j = 0;
  for (const range of a) {
    let begin = range.begin;
    const end = range.end;
    // Ranges of b that end before this one begins cannot touch it or any later range of a.
    while (j < b.length && b[j]!.end < begin) j++;
    let k = j;
    while (k < b.length && b[k]!.begin <= end && begin <= end) {
      const cut = b[k]!;
      if (cut.begin > begin) out.push({ begin, end: cut.begin - 1 });
      begin = Math.max(begin, cut.end + 1);
      k++;
    }
    if (begin === range.begin) out.push(range);
    else if (begin <= end) out.push({ begin, end });
  }
  return out;
}

/** True when every range of normal list b lies inside a range of normal list a. */
export function containsRanges(a: readonly ValueRange[], b: readonly ValueRange[]): boolean {
  let i = 0;
  for (const range of b) {
    while (i < a.length && a[i]!.end < range.begin) i++;
    const holder = a[i];
    if (holder === undefined || holder.begin > range.begin || holder.end < range.end) return false;
  }
  return true;
}

/** True when two normal range lists are equal. */
export function equalRanges(a: readonly ValueRange[], b: readonly ValueRange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.begin !== b[i]!.begin || a[i]!.end !== b[i]!.end) return false;
  }
  return true;
}

/** Formats ranges as Mesos does: `[31000-32000]`, `[1-5,10-20]`, `[80-80]`. */
export function formatRanges(list: readonly ValueRange[]): string {
  return '[' + list.map((r) => r.begin + '-' + r.end).join(',') + ']';
}

/** Parses `[1-5,10-20]` (brackets included) into a normal range list; throws naming the bad range. */
export function parseRanges(text: string): readonly ValueRange[] {
  const inner = text.trim();
  if (!inner.startsWith('[') || !inner.endsWith(']'))
    throw new Error(`bad ranges '${text}': expected [B-E,...]`);
  const out: ValueRange[] = [];
  for (const part of inner.slice(1, -1).split(',')) {
    const piece = part.trim();
    if (piece === '') continue;
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(piece);
    if (!m)
      throw new Error(
        `bad range '${piece}': expected BEGIN-END with non-negative integers, e.g. 31000-32000`,
      );
    out.push({ begin: Number(m[1]), end: Number(m[2]) });
  }
  return normalizeRanges(out);
}

/** Validates, sorts and de-duplicates set items; returns the input itself when it is already normal. */
export function normalizeItems(items: readonly string[]): readonly string[] {
  let normal = true;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (typeof item !== 'string' || item === '')
      throw new Error('bad set item: items must be non-empty strings');
    if (i > 0 && items[i - 1]! >= item) normal = false;
  }
  if (normal) return items;
  const sorted = [...items].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return sorted.filter((item, i) => i === 0 || sorted[i - 1] !== item);
}

/** Union of two normal item lists. */
export function addItems(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x!);
      i++;
    } else if (x === undefined || y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

/** Items of normal list a not in normal list b. */
export function subtractItems(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0 || b.length === 0) return a;
  const out: string[] = [];
  let j = 0;
  for (const item of a) {
    while (j < b.length && b[j]! < item) j++;
    if (b[j] !== item) out.push(item);
  }
  return out.length === a.length ? a : out;
}

/** True when every item of normal list b is in normal list a. */
export function containsItems(a: readonly string[], b: readonly string[]): boolean {
  let i = 0;
  for (const item of b) {
    while (i < a.length && a[i]! < item) i++;
    if (a[i] !== item) return false;
  }
  return true;
}

/** True when two normal item lists are equal. */
export function equalItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Formats set items as `{a,b}`. */
export function formatItems(items: readonly string[]): string {
  return '{' + items.join(',') + '}';
}

/** Parses `{a,b}` (braces included) into a normal item list. */
export function parseItems(text: string): readonly string[] {
  const inner = text.trim();
  if (!inner.startsWith('{') || !inner.endsWith('}'))
    throw new Error(`bad set '${text}': expected {ITEM,...}`);
  const items = inner
    .slice(1, -1)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return normalizeItems(items);
}
