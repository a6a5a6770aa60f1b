// The trace viewer: traces named by the page's URL (`?trace=URL`, repeated to compare) or picked as
// files, each read by a worker of its own, then shown side by side on one time axis with one player
// and one brush. A trace that cannot be read says why, naming the line; what came before it shows.
import './trace.css';
import { overviewBrush } from '../charts/brush.ts';
import { formatCount } from '../charts/format.ts';
import { player } from './controls.ts';
import type { WorkerRequest } from './messages.ts';
import { traceModel } from './model.ts';
import { type OpenedTrace, openTrace } from './open.ts';
import { type TracePanel, tracePanel, type ViewState } from './panel.ts';

function para(className: string, text: string, role?: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.className = className;
  p.textContent = text;
  if (role !== undefined) p.setAttribute('role', role);
  return p;
}

/** Fills `root` with the viewer over `requests` (none: just the file picker). */
export function mountTraceViewer(root: HTMLElement, requests: readonly WorkerRequest[]): () => void {
  const section = document.createElement('section');
  section.className = 'trace-viewer';
  const heading = document.createElement('h1');
  heading.textContent = 'Trace viewer';
  const picker = document.createElement('input');
  picker.type = 'file';
  picker.multiple = true;
  picker.accept = '.ndjson,.json,.jsonl,application/x-ndjson';
  const pickLabel = document.createElement('label');
  pickLabel.className = 'trace-open';
  pickLabel.append('Open trace files (one, or two to compare) ', picker);
  const status = para('trace-status', '', 'status');
  status.setAttribute('aria-live', 'polite');
  const problems = document.createElement('div');
  problems.className = 'trace-problems';
  const body = document.createElement('div');
  section.append(heading, pickLabel, status, problems, body);
  root.replaceChildren(section);
  let generation = 0;

  const load = async (list: readonly WorkerRequest[]): Promise<void> => {
    const mine = ++generation;
    body.replaceChildren();
    problems.replaceChildren();
    delete section.dataset.opened;
    if (list.length === 0) {
      status.textContent =
        'Pick a trace.ndjson (written by meso sim --trace-events), or open the page with ?trace=URL.';
      return;
    }
    const lines = list.map(() => 0);
    const progress = () => {
      status.textContent = `Reading ${list.map((r, i) => `${r.name} (${formatCount(lines[i]!)} lines)`).join(', ')} …`;
    };
    progress();
    const started = performance.now();
    const opened = await Promise.all(
      list.map((r, i) =>
        openTrace(r, (_, n) => {
          lines[i] = n;
          progress();
        }).catch((error: Error) => error),
      ),
    );
    if (mine !== generation) return;
    const ok: OpenedTrace[] = [];
    opened.forEach((o, i) => {
      if (o instanceof Error) problems.append(para('error', `${list[i]!.name}: ${o.message}`, 'alert'));
      else {
        if (o.error !== undefined) {
          const kept =
            o.data.events > 0 ? ` (showing the ${formatCount(o.data.events)} events before it)` : '';
          problems.append(para('error', `${o.data.name}: ${o.error}${kept}`, 'alert'));
        }
        if (o.data.events > 0) ok.push(o);
        else if (o.error === undefined)
          problems.append(para('error', `${o.data.name}: the trace holds no events`, 'alert'));
      }
    });
    const seconds = (performance.now() - started) / 1000;
    status.textContent =
      ok.length === 0
        ? 'Nothing to show.'
        : `Read ${ok.map((o) => `${o.data.name} (${formatCount(o.data.events)} events)`).join(' and ')} in ${seconds.toFixed(2)} s`;
    section.dataset.open_ms = String(Math.round(seconds * 1000));
    if (ok.length > 0) show(ok);
    section.dataset.opened = String(ok.length);
  };

  const show = (traces: readonly OpenedTrace[]): void => {
    const from = Math.min(...traces.map((t) => t.data.start_ms));
    const to = Math.max(...traces.map((t) => t.data.start_ms + t.data.buckets * t.data.bucket_ms));
    const step = Math.max(...traces.map((t) => t.data.bucket_ms));
    const available = Math.max(480, (root.clientWidth || 1200) - 32);
    const width = Math.floor(available / traces.length) - 16;
    const models = traces.map((t) => traceModel(t.data));
    let range: readonly [number, number] = [from, to];
    let panels: TracePanel[] = [];
    const state = (): ViewState => ({
      cursor_ms: controls.cursor_ms(),
      range,
      window_ms: controls.window_ms(),
    });
    const controls = player(
      from,
      to,
      step,
      () => {
        for (const p of panels) p.showCursor(state());
      },
      () => {
        for (const p of panels) p.showCursor(state());
      },
    );
    const overview = overviewBrush({
      label: `Offers made per second${traces.length > 1 ? ` (${traces[0]!.data.name})` : ''}: drag to choose the range shown`,
      times: models[0]!.times,
      values: models[0]!.offer_rate,
      from_ms: from,
      to_ms: to,
      width: available,
      height: 70,
      onBrush: (r) => {
        range = r ?? [from, to];
        section.dataset.range = `${Math.round(range[0])}-${Math.round(range[1])}`;
        for (const p of panels) p.showRange(state());
      },
    });
    const columns = document.createElement('div');
    columns.className = 'trace-columns';
    panels = models.map((m) => tracePanel(m, width));
    columns.append(...panels.map((p) => p.node));
    body.replaceChildren(controls.node, overview, columns);
    // The cursor starts where the first trace makes the most offers, so the flow shows something.
    const rate = models[0]!.offer_rate;
    let peak = 0;
    for (let b = 1; b < rate.length; b++) if (rate[b]! > rate[peak]!) peak = b;
    controls.seek(models[0]!.times[peak] ?? to);
    for (const p of panels) p.showRange(state());
  };

  picker.addEventListener('change', () => {
    const files = [...(picker.files ?? [])].slice(0, 2);
    void load(files.map((file) => ({ name: file.name, file })));
  });
  void load(requests);
  return () => {
    generation++;
  };
}
