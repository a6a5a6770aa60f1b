// A histogram with D3: counts in labelled bins (task completion times), redrawn in place when the
// range it counts over changes.
import { axisBottom, axisLeft, max, scaleBand, scaleLinear, select } from 'd3';

const margin = { top: 8, right: 12, bottom: 34, left: 44 };

/** A drawn histogram. */
export interface Histogram {
  readonly node: HTMLElement;
  /** Draws `counts`, one per bin. */
  update(counts: readonly number[], note: string): void;
}

/** A histogram of bins named `labels`. */
export function histogram(
  title: string,
  labels: readonly string[],
  width: number,
  height: number,
): Histogram {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  const svgNode = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svgNode.setAttribute('width', String(width));
  svgNode.setAttribute('height', String(height));
  svgNode.setAttribute('role', 'img');
  svgNode.setAttribute('aria-label', title);
  const note = document.createElement('p');
  note.className = 'chart-note';
  figure.append(caption, svgNode, note);
  const w = width - margin.left - margin.right;
  const h = height - margin.top - margin.bottom;
  const x = scaleBand<string>().domain(labels).range([0, w]).padding(0.1);
  const y = scaleLinear().range([h, 0]);
  const g = select(svgNode).append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const every = Math.max(1, Math.ceil(labels.length / 8));
  g.append('g')
    .attr('transform', `translate(0,${h})`)
    .call(axisBottom(x).tickValues(labels.filter((_, i) => i % every === 0)));
  const yAxis = g.append('g');
  const bars = g.append('g').attr('class', 'bars');
  return {
    node: figure,
    update(counts, text) {
      y.domain([0, Math.max(1, max(counts) ?? 0)]).nice();
      yAxis.call(axisLeft(y).ticks(4));
      bars
        .selectAll('rect')
        .data(counts)
        .join('rect')
        .attr('x', (_, i) => x(labels[i]!) ?? 0)
        .attr('width', x.bandwidth())
        .attr('y', (c) => y(c))
        .attr('height', (c) => h - y(c));
      note.textContent = text;
    },
  };
}
