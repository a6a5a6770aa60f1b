// How the charts print times and amounts.

/** A simulated time (ms from the start) as h:mm:ss, or m:ss under an hour. */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** A fraction as a percentage. */
export function formatPercent(v: number): string {
  return `${Math.round(v * 100)}%`;
}

/** A rate per second, with a precision that suits its size. */
export function formatRate(v: number): string {
  if (v === 0) return '0';
  if (v >= 100) return v.toFixed(0);
  if (v >= 1) return v.toFixed(1);
  return v.toFixed(2);
}

/** A count with thousands separated. */
export function formatCount(v: number): string {
  return Math.round(v).toLocaleString('en');
}
