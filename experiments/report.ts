// report.html: one self-contained page per experiment run: what was run and with which seeds, the
// tables with the published figures beside the measured ones, the plots inline, the discussion of
// why the results differ from the papers, the experiment file as it ran, and the wall time of each
// run (the only figures in it that vary from run to run).

import type { PlotResult } from './plots.ts';
import type { ExperimentPlan } from './points.ts';
import type { PointResult } from './results.ts';
import { escapeXml } from './svg.ts';
import type { TableResult } from './tables.ts';

/** What the report shows besides the results. */
export interface ReportInput {
  readonly plan: ExperimentPlan;
  readonly points: readonly PointResult[];
  readonly tables: readonly TableResult[];
  readonly plots: readonly PlotResult[];
  /** The experiment file as given (JSON text). */
  readonly source: string;
  /** The command that ran it. */
  readonly command: string;
  readonly notes: readonly string[];
  /** Wall time and thread of each run, in run order. */
  readonly timings: ReadonlyArray<{ readonly wall_ms: number; readonly thread: number }>;
}

const style = `body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.4em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}td.paper,th.paper{background:#fff7e0}
caption{text-align:left;font-weight:bold;margin-bottom:.3em}.note{color:#555;font-size:.92em}
pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:.85em}figure{margin:1em 0}svg{max-width:100%;height:auto}`;

function tableHtml(t: TableResult): string {
  const paper = t.columns.map((c) => c.endsWith('(paper)'));
  const head = t.columns
    .map((c, i) => `<th${paper[i] ? ' class="paper"' : ''}>${escapeXml(c)}</th>`)
    .join('');
  const rows = t.rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${paper[i] ? ' class="paper"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const note = t.note === undefined ? '' : `<p class="note">${escapeXml(t.note)}</p>`;
  return `<table><caption>${escapeXml(t.title)}</caption>\n<tr>${head}</tr>\n${rows}\n</table>${note}`;
}

function timingHtml(input: ReportInput): string {
  const replicates = input.plan.seeds.length;
  const rows = input.timings.map((t, i) => {
    const point = input.plan.points[Math.floor(i / replicates)]!;
    const seed = input.plan.seeds[i % replicates]!;
    const where = t.thread === 0 ? 'main' : `worker ${t.thread}`;
    return `<tr><td>${escapeXml(point.label || point.id)}</td><td>${escapeXml(seed)}</td><td>${(t.wall_ms / 1000).toFixed(2)}</td><td>${where}</td></tr>`;
  });
  return `<table><caption>Wall time of each run (this machine, this time; not part of the results)</caption>
<tr><th>point</th><th>seed</th><th>wall s</th><th>thread</th></tr>
${rows.join('\n')}
</table>`;
}

/** The report page. */
export function reportHtml(input: ReportInput): string {
  const { plan } = input;
  const spec = plan.spec;
  const axes = plan.axes.map((a) => `${a.title}: ${a.values.map((v) => v.label).join(', ')}`);
  const run = [
    `Command: <code>${escapeXml(input.command)}</code>`,
    `Seeds: ${plan.seeds.map((s) => `<code>${escapeXml(s)}</code>`).join(', ')} (one per replicate; every point of a replicate uses the same seed, so points are compared on the same workload)`,
    `Points: ${plan.points.length}${axes.length === 0 ? '' : ` (${escapeXml(axes.join('; '))})`}; replicates: ${plan.seeds.length}${plan.quick ? '; quick variant' : ''}`,
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(spec.title)}</title><style>${style}</style></head>
<body>
<h1>${escapeXml(spec.title)}</h1>
<p><strong>Paper:</strong> ${escapeXml(spec.paper)}</p>
<p>${escapeXml(spec.description)}</p>
<ul>${run.map((r) => `<li>${r}</li>`).join('')}</ul>
<h2>Results</h2>
${input.tables.map(tableHtml).join('\n')}
${input.plots.map((p) => `<figure>${p.svg}<figcaption>${escapeXml(p.title)} (${escapeXml(p.file)})</figcaption></figure>`).join('\n')}
<h2>Why the results differ from the paper</h2>
${spec.discussion.map((p) => `<p>${escapeXml(p)}</p>`).join('\n') || '<p>-</p>'}
${input.notes.length === 0 ? '' : `<h2>Notes from the runs</h2><ul>${input.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`}
<h2>Experiment file</h2>
<pre>${escapeXml(input.source)}</pre>
<h2>Timing</h2>
${timingHtml(input)}
</body></html>
`;
}
