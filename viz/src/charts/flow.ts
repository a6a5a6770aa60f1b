// The offer flow as bands between groups: offers leave the master for each framework (left), and end
// accepted into launches, declined with the default filter or a longer one, or rescinded (right). A
// band's width is the count in the window, so thousands of offers a second read as a few bands
// rather than one mark per offer.
import { select } from 'd3';

/** One framework's offers in the window. */
export interface FrameworkFlow {
  readonly name: string;
  readonly color: string;
  /** Counts by outcome, in the order of `outcomes`. */
  readonly outcomes: readonly number[];
}

/** What an offer can become, as the diagram names them. */
export const outcomes = ['accepted', 'declined (default filter)', 'declined (longer filter)', 'rescinded'];
const outcome_colors = ['#2a9d4b', '#c98a12', '#d4572a', '#7a4bb0'];

const pad = 6;

/** A band's centre line: a horizontal S-curve from (x0, y0) to (x1, y1). */
function bandPath(x0: number, y0: number, x1: number, y1: number): string {
  const mid = (x0 + x1) / 2;
  return `M${x0},${y0}C${mid},${y0} ${mid},${y1} ${x1},${y1}`;
}

/** A drawn flow diagram. */
export interface FlowDiagram {
  readonly node: HTMLElement;
  update(flows: readonly FrameworkFlow[], note: string): void;
}

/** A flow diagram `width` x `height`. */
export function flowDiagram(title: string, width: number, height: number): FlowDiagram {
  const figure = document.createElement('figure');
  figure.className = 'chart flow';
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
  const svg = select(svgNode);
  const left_x = 150;
  const right_x = width - 220;
  const node_w = 10;
  return {
    node: figure,
    update(flows, text) {
      note.textContent = text;
      svg.selectAll('*').remove();
      const total = flows.reduce((s, f) => s + f.outcomes.reduce((a, b) => a + b, 0), 0);
      if (total === 0) return;
      const usable = (n: number) => Math.max(1, height - pad * (n + 1));
      const k = Math.min(usable(flows.length), usable(outcomes.length)) / total;
      // Left nodes: frameworks; right nodes: outcomes. Each band leaves its framework at the next
      // free offset and arrives at its outcome at that outcome's next free offset.
      const outTotals = outcomes.map((_, o) => flows.reduce((s, f) => s + (f.outcomes[o] ?? 0), 0));
      const rightTop: number[] = [];
      let yr = pad;
      for (const t of outTotals) {
        rightTop.push(yr);
        yr += t * k + pad;
      }
      const rightUsed = outTotals.map(() => 0);
      let yl = pad;
      for (const f of flows) {
        const sum = f.outcomes.reduce((a, b) => a + b, 0);
        if (sum === 0) continue;
        svg
          .append('rect')
          .attr('x', left_x - node_w)
          .attr('y', yl)
          .attr('width', node_w)
          .attr('height', Math.max(1, sum * k))
          .attr('fill', f.color);
        svg
          .append('text')
          .attr('x', left_x - node_w - 4)
          .attr('y', yl + (sum * k) / 2)
          .attr('dy', '0.35em')
          .attr('text-anchor', 'end')
          .text(`${f.name} (${Math.round(sum)})`);
        let offset = 0;
        f.outcomes.forEach((c, o) => {
          if (c <= 0) return;
          const band = c * k;
          const y0 = yl + offset + band / 2;
          const y1 = rightTop[o]! + rightUsed[o]! + band / 2;
          svg
            .append('path')
            .attr('class', 'band')
            .attr('fill', 'none')
            .attr('stroke', f.color)
            .attr('stroke-opacity', 0.45)
            .attr('stroke-width', Math.max(1, band))
            .attr('d', bandPath(left_x, y0, right_x, y1));
          offset += band;
          rightUsed[o]! += band;
        });
        yl += sum * k + pad;
      }
      outTotals.forEach((t, o) => {
        if (t <= 0) return;
        svg
          .append('rect')
          .attr('x', right_x)
          .attr('y', rightTop[o]!)
          .attr('width', node_w)
          .attr('height', Math.max(1, t * k))
          .attr('fill', outcome_colors[o]!);
        svg
          .append('text')
          .attr('x', right_x + node_w + 4)
          .attr('y', rightTop[o]! + (t * k) / 2)
          .attr('dy', '0.35em')
          .text(`${outcomes[o]} (${Math.round(t)})`);
      });
    },
  };
}
