// Plots as SVG text, written directly (no DOM, no charting library): grouped bar charts and line
// charts with error bars, where published figures are drawn beside the measured ones (hatched bars,
// hollow markers on dashed lines). Output depends only on the data, so it is the same on every run.

/** A series of bars, one value per category. */
export interface BarSeries {
  readonly name: string;
  readonly values: ReadonlyArray<number | null>;
  /** Half-widths of error bars, per category. */
  readonly errors?: ReadonlyArray<number | null>;
  /** Index into the palette (series sharing a colour are a measured/published pair). */
  readonly color: number;
  /** A published series: drawn hatched. */
  readonly paper: boolean;
}

/** A grouped bar chart. */
export interface BarChart {
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly yLabel: string;
  readonly percent: boolean;
}

/** A point of a line. */
export interface LinePoint {
  readonly x: number;
  readonly y: number;
  readonly err?: number | null;
}

/** A line of a line chart. */
export interface LineSeries {
  readonly name: string;
  readonly points: readonly LinePoint[];
  readonly color: number;
  /** A published series: dashed, with hollow markers. */
  readonly paper: boolean;
}

/** A line chart over a numeric x axis. */
export interface LineChart {
  readonly title: string;
  readonly series: readonly LineSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logX: boolean;
  readonly percent: boolean;
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const width = 720;
const height = 420;
const margin = { left: 72, right: 24, top: 44, bottom: 96 };
const plotW = width - margin.left - margin.right;
const plotH = height - margin.top - margin.bottom;

/** Escapes text for SVG. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const colorOf = (i: number) => palette[i % palette.length]!;
const fmt = (x: number) => String(Math.round(x * 100) / 100);

/** About `count` round tick values, the first at or below `min` and the last at or above `max`. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0];
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power) as number;
  const ticks: number[] = [];
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  for (let k = first; k <= last; k++) ticks.push(Math.round(k * step * 1e9) / 1e9);
  return ticks;
}

function tickText(v: number, percent: boolean): string {
  if (percent) return `${fmt(v * 100)}%`;
  if (Math.abs(v) >= 10_000) return `${fmt(v / 1000)}k`;
  return fmt(v);
}

function frame(title: string, body: string[], legend: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-opacity="0.35" stroke-width="2"/></pattern></defs>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(ticks: number[], y: (v: number) => number, label: string, percent: boolean): string[] {
  const out = ticks.map(
    (t) =>
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#ddd"/>` +
      `<text x="${margin.left - 6}" y="${fmt(y(t) + 4)}" text-anchor="end">${tickText(t, percent)}</text>`,
  );
  out.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#000"/>`,
  );
  out.push(
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`,
  );
  return out;
}

function legendOf(
  entries: ReadonlyArray<{ name: string; color: number; paper: boolean; line: boolean }>,
): string[] {
  const out: string[] = [];
  let x = margin.left;
  let row = 0;
  for (const e of entries) {
    const w = 40 + e.name.length * 7;
    if (x + w > width - margin.right) {
      x = margin.left;
      row++;
    }
    const y = height - 34 + row * 16 - 10;
    const c = colorOf(e.color);
    out.push(
      e.line
        ? `<line x1="${fmt(x)}" x2="${fmt(x + 16)}" y1="${y + 5}" y2="${y + 5}" stroke="${c}" stroke-width="2"${e.paper ? ' stroke-dasharray="4 3"' : ''}/>`
        : `<rect x="${fmt(x)}" y="${y}" width="14" height="10" fill="${c}"${e.paper ? ' fill-opacity="0.25" stroke="' + c + '"' : ''}/>` +
            (e.paper ? `<rect x="${fmt(x)}" y="${y}" width="14" height="10" fill="url(#hatch)"/>` : ''),
      `<text x="${fmt(x + 20)}" y="${y + 10}">${escapeXml(e.name)}</text>`,
    );
    x += w;
  }
  return out;
}

function errorBar(x: number, y0: number, y1: number): string {
  return `<path d="M${fmt(x)} ${fmt(y0)}V${fmt(y1)}M${fmt(x - 4)} ${fmt(y0)}h8M${fmt(x - 4)} ${fmt(y1)}h8" stroke="#000" fill="none"/>`;
}

/** A grouped bar chart as SVG text. */
export function barChartSvg(chart: BarChart): string {
  const tops = chart.series.flatMap((s) => s.values.map((v, i) => (v ?? 0) + (s.errors?.[i] ?? 0)));
  const max = Math.max(0, ...tops);
  const ticks = niceTicks(0, max > 0 ? max : 1);
  const top = Math.max(ticks[ticks.length - 1]!, max);
  const y = (v: number) => margin.top + plotH - (v / top) * plotH;
  const body = yAxis(ticks, y, chart.yLabel, chart.percent);
  const groupW = plotW / Math.max(1, chart.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, chart.series.length);
  chart.categories.forEach((category, c) => {
    const x0 = margin.left + c * groupW + groupW * 0.1;
    chart.series.forEach((s, k) => {
      const v = s.values[c];
      if (v === null || v === undefined) return;
      const x = x0 + k * barW;
      const color = colorOf(s.color);
      const h = Math.max(0, y(0) - y(v));
      const attrs = `x="${fmt(x)}" y="${fmt(y(v))}" width="${fmt(barW * 0.92)}" height="${fmt(h)}"`;
      body.push(
        s.paper
          ? `<rect ${attrs} fill="${color}" fill-opacity="0.25" stroke="${color}"/><rect ${attrs} fill="url(#hatch)"/>`
          : `<rect ${attrs} fill="${color}"/>`,
      );
      const e = s.errors?.[c];
      if (e !== null && e !== undefined && e > 0)
        body.push(errorBar(x + (barW * 0.92) / 2, y(v - e), y(v + e)));
    });
    body.push(
      `<text x="${fmt(margin.left + (c + 0.5) * groupW)}" y="${margin.top + plotH + 16}" text-anchor="middle">${escapeXml(category)}</text>`,
    );
  });
  body.push(
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${fmt(y(0))}" y2="${fmt(y(0))}" stroke="#000"/>`,
  );
  const legend = legendOf(
    chart.series.map((s) => ({ name: s.name, color: s.color, paper: s.paper, line: false })),
  );
  return frame(chart.title, body, legend);
}

function xScale(chart: LineChart): { x: (v: number) => number; ticks: number[] } {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (chart.logX && lo > 0) {
    const a = Math.log10(lo);
    const b = Math.log10(hi) > a ? Math.log10(hi) : a + 1;
    const ticks: number[] = [];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++)
      for (const m of [1, 2, 5])
        if (m * 10 ** e >= lo * 0.999 && m * 10 ** e <= hi * 1.001) ticks.push(m * 10 ** e);
    return { x: (v) => margin.left + ((Math.log10(v) - a) / (b - a)) * plotW, ticks };
  }
  const ticks = niceTicks(Math.min(0, lo), hi > lo ? hi : lo + 1);
  const x0 = ticks[0]!;
  const x1 = Math.max(ticks[ticks.length - 1]!, hi);
  return { x: (v) => margin.left + ((v - x0) / (x1 - x0 || 1)) * plotW, ticks };
}

/** A line chart as SVG text. */
export function lineChartSvg(chart: LineChart): string {
  if (chart.series.every((s) => s.points.length === 0)) {
    const text = `<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no values to plot</text>`;
    return frame(chart.title, [text], []);
  }
  const ys = chart.series.flatMap((s) => s.points.flatMap((p) => [p.y - (p.err ?? 0), p.y + (p.err ?? 0)]));
  const yTicks = niceTicks(Math.min(0, ...ys), Math.max(...ys, 0) || 1);
  const y0 = yTicks[0]!;
  const y1 = Math.max(yTicks[yTicks.length - 1]!, ...ys);
  const y = (v: number) => margin.top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
  const { x, ticks } = xScale(chart);
  const body = yAxis(yTicks, y, chart.yLabel, chart.percent);
  body.push(
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#000"/>`,
  );
  for (const t of ticks)
    body.push(
      `<text x="${fmt(x(t))}" y="${margin.top + plotH + 16}" text-anchor="middle">${tickText(t, false)}</text>`,
    );
  body.push(
    `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 36}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
  );
  for (const s of chart.series) {
    const c = colorOf(s.color);
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1)
      body.push(
        `<polyline points="${pts.map((p) => `${fmt(x(p.x))},${fmt(y(p.y))}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"${s.paper ? ' stroke-dasharray="4 3"' : ''}/>`,
      );
    for (const p of pts) {
      if (p.err !== null && p.err !== undefined && p.err > 0)
        body.push(errorBar(x(p.x), y(p.y - p.err), y(p.y + p.err)));
      body.push(
        `<circle cx="${fmt(x(p.x))}" cy="${fmt(y(p.y))}" r="4" fill="${s.paper ? '#fff' : c}" stroke="${c}" stroke-width="2"/>`,
      );
    }
  }
  const legend = legendOf(
    chart.series.map((s) => ({ name: s.name, color: s.color, paper: s.paper, line: true })),
  );
  return frame(chart.title, body, legend);
}
