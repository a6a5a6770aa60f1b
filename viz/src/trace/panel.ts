// One trace's column of views: shares per framework and per role (stacked), utilisation per
// resource, pending work, task completion times over the chosen range, and the offer flow with rates
// per framework over the window ending at the cursor.
import { schemeTableau10 } from 'd3';
import { flowDiagram, outcomes } from '../charts/flow.ts';
import { formatCount, formatPercent, formatRate } from '../charts/format.ts';
import { histogram } from '../charts/histogram.ts';
import { type Layer, type TimeChart, timeChart } from '../charts/time-chart.ts';
import { completion_labels, completionsOver, flowsOver, secondsOver, type TraceModel } from './model.ts';

/** Where the views are: the cursor, the range shown, the window rates are taken over. */
export interface ViewState {
  readonly cursor_ms: number;
  readonly range: readonly [number, number];
  readonly window_ms: number;
}

/** A trace's column. */
export interface TracePanel {
  readonly node: HTMLElement;
  /** Redraws what follows the cursor (flows, rates, cursor lines). */
  showCursor(state: ViewState): void;
  /** Redraws what follows the range (the time axes, completion times), then the cursor. */
  showRange(state: ViewState): void;
}

const colors = (i: number): string => schemeTableau10[i % schemeTableau10.length]!;
const resource_colors: Readonly<Record<string, string>> = {
  cpus: '#1f77b4',
  mem: '#2ca02c',
  disk: '#8c564b',
  gpus: '#d62728',
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== '') node.textContent = text;
  return node;
}

/** The rates table: per framework, each flow per second over the window. */
function ratesTable(model: TraceModel, state: ViewState): HTMLTableElement {
  const d = model.data;
  const from = state.cursor_ms - state.window_ms;
  const flows = flowsOver(d, from, state.cursor_ms);
  const seconds = secondsOver(d, from, state.cursor_ms);
  const table = el('table', 'rates');
  const caption = el(
    'caption',
    '',
    `Rates per framework, per second over the last ${formatRate(state.window_ms / 1000)} s`,
  );
  const head = ['framework', 'offers', 'accepted', 'declined', 'rescinded', 'launches', 'mean refuse (s)'];
  const thead = el('thead', '');
  const hr = el('tr', '');
  for (const h of head) {
    const th = el('th', '', h);
    th.scope = 'col';
    hr.append(th);
  }
  thead.append(hr);
  const tbody = el('tbody', '');
  for (const f of flows) {
    const declined = f.outcomes[1] + f.outcomes[2];
    const cells = [f.name, f.made, f.outcomes[0], declined, f.outcomes[3], f.launched].map((v, i) =>
      i === 0 ? String(v) : formatRate(Number(v) / seconds),
    );
    cells.push(declined > 0 ? formatRate(f.refuse_seconds / declined) : '-');
    const tr = el('tr', '');
    for (const c of cells) tr.append(el('td', '', c));
    tbody.append(tr);
  }
  table.append(caption, thead, tbody);
  return table;
}

/** The column for one trace, `width` pixels wide. */
export function tracePanel(model: TraceModel, width: number): TracePanel {
  const d = model.data;
  const node = el('section', 'trace-panel');
  node.dataset.trace = d.name;
  const title = el('h2', '', d.name);
  const summary = el(
    'p',
    'trace-summary',
    `${formatCount(d.events)} events, ${formatCount(d.buckets)} buckets of ${formatRate(d.bucket_ms / 1000)} s, ${d.frameworks.length} frameworks`,
  );
  node.append(title, summary);
  const unknown = Object.entries(d.unknown);
  if (unknown.length > 0) {
    const n = unknown.reduce((s, [, c]) => s + c, 0);
    const names = unknown.map(([t, c]) => `${t} (${formatCount(c)})`).join(', ');
    node.append(
      el('p', 'note', `${formatCount(n)} events of types this viewer does not know were skipped: ${names}`),
    );
  }
  const h = 150;
  const share = (title: string, series: TraceModel['framework_shares']): TimeChart =>
    timeChart({
      title,
      times: model.times,
      layers: series.map((s, i) => ({ name: s.name, values: s.values, color: colors(i) })),
      stacked: true,
      y_format: formatPercent,
      width,
      height: h,
    });
  const utilLayers: Layer[] = [
    ...model.utilisation.map((s) => ({
      name: s.name,
      values: s.values,
      color: resource_colors[s.name.split(' ')[0]!] ?? '#555',
    })),
    ...model.offered.map((s) => ({
      name: s.name,
      values: s.values,
      color: resource_colors[s.name.split(' ')[0]!] ?? '#555',
      dashed: true,
    })),
  ];
  const charts = [
    share('Dominant share per framework (stacked)', model.framework_shares),
    share('Dominant share per role (stacked)', model.role_shares),
    timeChart({
      title: 'Utilisation per resource (allocated solid, offered dashed)',
      times: model.times,
      layers: utilLayers,
      stacked: false,
      y_max: 1,
      y_format: formatPercent,
      width,
      height: h,
    }),
    timeChart({
      title: 'Pending work',
      times: model.times,
      layers: model.pending.map((s, i) => ({ name: s.name, values: s.values, color: colors(i + 5) })),
      stacked: false,
      width,
      height: h,
    }),
  ];
  const flow = flowDiagram(
    'Offer flow: offers per framework and what became of them, over the window',
    width,
    220,
  );
  const rates = el('div', 'rates-box');
  const completion = histogram('Task completion times over the range shown', completion_labels, width, 160);
  node.append(...charts.map((c) => c.node), flow.node, rates, completion.node);
  const legendColors = d.frameworks.map((_, i) => colors(i));

  const showCursor = (state: ViewState): void => {
    for (const c of charts) c.setCursor(state.cursor_ms);
    const from = state.cursor_ms - state.window_ms;
    const flows = flowsOver(d, from, state.cursor_ms);
    const made = flows.reduce((s, f) => s + f.made, 0);
    flow.update(
      flows.map((f, i) => ({ name: f.name, color: legendColors[i]!, outcomes: f.outcomes })),
      `${formatCount(made)} offers made in the window; ${outcomes.join(', ')} on the right`,
    );
    rates.replaceChildren(ratesTable(model, state));
  };
  return {
    node,
    showCursor,
    showRange(state) {
      for (const c of charts) c.setDomain(state.range[0], state.range[1]);
      const counts = completionsOver(d, state.range[0], state.range[1]);
      const n = counts.reduce((a, b) => a + b, 0);
      completion.update(counts, `${formatCount(n)} tasks ended in the range`);
      showCursor(state);
    },
  };
}
