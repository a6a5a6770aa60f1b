// The overview strip: the whole trace's offer rate, with a D3 brush to pick the time range the other
// charts show. Clearing the brush (a click outside the selection) gives back the whole trace.
import { area, axisBottom, brushX, max, scaleLinear, select } from 'd3';
import { formatClock } from './format.ts';

const margin = { top: 4, right: 12, bottom: 20, left: 44 };

/** What the strip draws. */
export interface OverviewSpec {
  readonly label: string;
  readonly times: Float64Array;
  readonly values: Float64Array;
  readonly from_ms: number;
  readonly to_ms: number;
  readonly width: number;
  readonly height: number;
  /** Called with the range brushed, or undefined when the brush is cleared. */
  readonly onBrush: (range: readonly [number, number] | undefined) => void;
}

/** Draws the strip. */
export function overviewBrush(spec: OverviewSpec): HTMLElement {
  const figure = document.createElement('figure');
  figure.className = 'chart overview';
  const caption = document.createElement('figcaption');
  caption.textContent = spec.label;
  const svgNode = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svgNode.setAttribute('width', String(spec.width));
  svgNode.setAttribute('height', String(spec.height));
  svgNode.setAttribute('role', 'img');
  svgNode.setAttribute('aria-label', `${spec.label}; drag across it to choose a time range`);
  figure.append(caption, svgNode);
  const w = spec.width - margin.left - margin.right;
  const h = spec.height - margin.top - margin.bottom;
  const x = scaleLinear().domain([spec.from_ms, spec.to_ms]).range([0, w]);
  const y = scaleLinear()
    .domain([0, Math.max(1, max(spec.values) ?? 0)])
    .range([h, 0]);
  const g = select(svgNode).append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const idx = Array.from(spec.times, (_, i) => i);
  const shape = area<number>()
    .x((i) => x(spec.times[i]!))
    .y0(h)
    .y1((i) => y(spec.values[i]!));
  g.append('path').attr('class', 'overview-area').attr('d', shape(idx));
  g.append('g')
    .attr('transform', `translate(0,${h})`)
    .call(
      axisBottom(x)
        .ticks(8)
        .tickFormat((v) => formatClock(Number(v))),
    );
  const brush = brushX()
    .extent([
      [0, 0],
      [w, h],
    ])
    .on('end', (event: { selection: [number, number] | null }) => {
      const s = event.selection;
      spec.onBrush(s === null ? undefined : [x.invert(s[0]), x.invert(s[1])]);
    });
  g.append('g').attr('class', 'brush').call(brush);
  return figure;
}
