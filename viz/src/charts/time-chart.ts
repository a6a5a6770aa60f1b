// A chart over time drawn with D3: layers stacked (shares) or as lines (utilisation, pending work),
// an x domain that a brush elsewhere narrows, and a cursor line the scrubber moves. Redrawing on a
// new domain touches only the buckets inside it; moving the cursor moves one line.
import { axisBottom, axisLeft, line, max, scaleLinear, select } from 'd3';
import { formatClock } from './format.ts';

const svg_ns = 'http://www.w3.org/2000/svg';
const margin = { top: 8, right: 12, bottom: 22, left: 44 };

/** One layer of a chart: a value per bucket. */
export interface Layer {
  readonly name: string;
  readonly values: Float64Array;
  readonly color: string;
  /** Drawn dashed (lines only). */
  readonly dashed?: boolean;
}

/** What a chart draws. */
export interface TimeChartSpec {
  readonly title: string;
  /** The time each bucket ends at, in ms. */
  readonly times: Float64Array;
  readonly layers: readonly Layer[];
  readonly stacked: boolean;
  /** The top of the y axis; the data's largest value when absent. */
  readonly y_max?: number;
  readonly y_format?: (v: number) => string;
  readonly width: number;
  readonly height: number;
}

/** A drawn chart. */
export interface TimeChart {
  readonly node: HTMLElement;
  /** Shows the times [from_ms, to_ms]. */
  setDomain(from_ms: number, to_ms: number): void;
  /** Moves the cursor to `time_ms`. */
  setCursor(time_ms: number): void;
}

/** The first bucket ending at or after `t` (binary search over ascending times). */
export function firstAtOrAfter(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The layers' tops: for stacked charts each layer sits on the ones before it. */
function tops(spec: TimeChartSpec): Float64Array[] {
  if (!spec.stacked) return spec.layers.map((l) => l.values);
  const n = spec.times.length;
  const sum = new Float64Array(n);
  return spec.layers.map((l) => {
    for (let i = 0; i < n; i++) sum[i]! += l.values[i] ?? 0;
    return sum.slice();
  });
}

/** Draws a chart; its legend names each layer. */
export function timeChart(spec: TimeChartSpec): TimeChart {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const caption = document.createElement('figcaption');
  caption.textContent = spec.title;
  const svgNode = document.createElementNS(svg_ns, 'svg');
  svgNode.setAttribute('width', String(spec.width));
  svgNode.setAttribute('height', String(spec.height));
  svgNode.setAttribute('role', 'img');
  svgNode.setAttribute('aria-label', spec.title);
  figure.append(caption, svgNode, legend(spec.layers));

  const w = spec.width - margin.left - margin.right;
  const h = spec.height - margin.top - margin.bottom;
  const ys = tops(spec);
  const y_top = spec.y_max ?? Math.max(1e-9, max(ys.map((t) => max(t) ?? 0)) ?? 0);
  const x = scaleLinear().range([0, w]);
  const y = scaleLinear().domain([0, y_top]).range([h, 0]).nice();
  const svg = select(svgNode);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const xAxis = g.append('g').attr('transform', `translate(0,${h})`);
  const yAxis = axisLeft(y).ticks(4);
  if (spec.y_format !== undefined) yAxis.tickFormat((v) => spec.y_format!(Number(v)));
  g.append('g').call(yAxis);
  const paths = spec.layers.map((l, k) =>
    g
      .append('path')
      .attr('class', `layer layer-${k}`)
      .attr('fill', spec.stacked ? l.color : 'none')
      .attr('fill-opacity', spec.stacked ? 0.85 : 0)
      .attr('stroke', l.color)
      .attr('stroke-width', spec.stacked ? 0.5 : 1.5)
      .attr('stroke-dasharray', l.dashed ? '4 3' : null),
  );
  const cursor = g.append('line').attr('class', 'cursor').attr('y1', 0).attr('y2', h);

  const draw = (from_ms: number, to_ms: number): void => {
    x.domain([from_ms, to_ms]);
    xAxis.call(
      axisBottom(x)
        .ticks(6)
        .tickFormat((v) => formatClock(Number(v))),
    );
    // One bucket either side, so the path runs to the edges of the domain.
    const i0 = Math.max(0, firstAtOrAfter(spec.times, from_ms) - 1);
    const i1 = Math.min(spec.times.length, firstAtOrAfter(spec.times, to_ms) + 1);
    const idx = Array.from({ length: Math.max(0, i1 - i0) }, (_, k) => i0 + k);
    const clampX = (i: number) => Math.max(-1, Math.min(w + 1, x(spec.times[i]!)));
    ys.forEach((top, k) => {
      const below = spec.stacked && k > 0 ? ys[k - 1]! : undefined;
      const topLine = line<number>()
        .x(clampX)
        .y((i) => y(top[i]!));
      if (!spec.stacked) {
        paths[k]!.attr('d', topLine(idx));
        return;
      }
      // A stacked layer is its top line, then back along the layer below it.
      const back = [...idx].reverse();
      const bottom = back.map((i) => `L${clampX(i)},${y(below === undefined ? 0 : below[i]!)}`).join('');
      const d = topLine(idx);
      paths[k]!.attr('d', d === null || idx.length === 0 ? null : `${d}${bottom}Z`);
    });
  };
  const t0 = spec.times.length > 0 ? spec.times[0]! : 0;
  draw(t0, spec.times.length > 0 ? spec.times[spec.times.length - 1]! : 1);
  return {
    node: figure,
    setDomain: draw,
    setCursor(time_ms) {
      const px = x(time_ms);
      const inside = px >= 0 && px <= w;
      cursor
        .attr('x1', px)
        .attr('x2', px)
        .attr('visibility', inside ? 'visible' : 'hidden');
    },
  };
}

/** A legend: a swatch and a name per layer. */
export function legend(layers: readonly { readonly name: string; readonly color: string }[]): HTMLElement {
  const list = document.createElement('ul');
  list.className = 'legend';
  for (const l of layers) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = l.color;
    item.append(swatch, l.name);
    list.append(item);
  }
  return list;
}
