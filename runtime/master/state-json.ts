// GET /master/state: the master's state as Mesos's /state endpoint shows it (docs/protocol.md,
// "Operator endpoints"), built from the engine's read-only view. Resources here are flat summaries
// (`{cpus, mem, disk, gpus, ports: "[31000-32000]"}`, written by resources-json.ts), times are
// epoch seconds, and the JSON is compact.
//
// A large cluster's page holds hundreds of thousands of tasks, so it is not built as objects and
// serialized, nor joined into one string: both leave garbage as large as the page, alive long
// enough to need full collections of the master's large heap. The page is written straight into a
// byte buffer (json-writer.ts), reused by a later page once the answer has been sent. A task's
// text changes only with its state, so the next page copies it from the last one rather than
// writing it again (task-texts.ts).
import type { ServerResponse } from 'node:http';
import type { Attribute, MasterInfo } from '../../engine/master/v1.ts';
import type {
  AgentView,
  ExecutorView,
  FrameworkView,
  MasterStateView,
  OfferView,
  TaskView,
} from '../../engine/master/view.ts';
import { state_page_spares_max } from '../constants.ts';
import { application_json } from '../http-util.ts';
import { JsonWriter } from './json-writer.ts';
import { agentPid } from './operator-shapes.ts';
import { unreservedOf, writeReservedByRole, writeReservedFull, writeSummary } from './resources-json.ts';
import { TaskTexts } from './task-texts.ts';

/** What the state page needs beyond the engine's view. */
export interface StatePageContext {
  /** When this master was elected (ms); absent on a standby. */
  readonly elected_time_ms: number | undefined;
  /** The leader's MasterInfo (this master's, when it leads). */
  readonly leader_info: MasterInfo;
  /** The master's flags, as text. */
  readonly flags: Readonly<Record<string, string>>;
}

/** Attributes as /state shows them: a flat object of name to value. */
function flatAttributes(attributes: readonly Attribute[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attributes) {
    if (a.type === 'TEXT') out[a.name] = a.text?.value ?? '';
    else if (a.type === 'SCALAR') out[a.name] = a.scalar?.value ?? 0;
    else if (a.type === 'RANGES')
      out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else out[a.name] = `{${(a.set?.item ?? []).join(', ')}}`;
  }
  return out;
}

function writeSlave(w: JsonWriter, agent: AgentView, version: string): void {
  const attributes = agent.info.attributes ?? [];
  w.raw('{"id":');
  w.string(agent.id);
  w.raw(',"hostname":');
  w.string(agent.hostname);
  w.raw(',"port":');
  w.number(agent.port);
  w.raw(',"pid":');
  w.string(agentPid(agent));
  w.raw(',"attributes":');
  if (attributes.length === 0) w.raw('{}');
  else w.value(flatAttributes(attributes));
  w.raw(',"registered_time":');
  w.number(agent.registered_time_ms / 1000);
  if (agent.reregistered_time_ms !== undefined) {
    w.raw(',"reregistered_time":');
    w.number(agent.reregistered_time_ms / 1000);
  }
  w.raw(',"resources":');
  writeSummary(w, agent.resources);
  w.raw(',"used_resources":');
  writeSummary(w, agent.used_resources);
  w.raw(',"offered_resources":');
  writeSummary(w, agent.offered_resources);
  w.raw(',"unreserved_resources":');
  writeSummary(w, unreservedOf(agent.resources));
  w.raw(',"reserved_resources":');
  writeReservedByRole(w, agent.resources);
  w.raw(',"reserved_resources_full":');
  writeReservedFull(w, agent.resources);
  w.raw(agent.active ? ',"active":true,"version":' : ',"active":false,"version":');
  w.string(agent.version ?? version);
  w.raw(',"capabilities":[]}');
}

/** Writes what a task carries beyond the fields every task has: labels and container, as Mesos shows them. */
function writeTaskExtras(w: JsonWriter, task: TaskView): void {
  const info = task.info;
  if (info === undefined) return;
  const labels = info.labels?.labels;
  if (labels !== undefined && labels.length > 0) {
    w.raw(',"labels":');
    w.value(labels);
  }
  if (info.container !== undefined) {
    w.raw(',"container":');
    w.value(info.container);
  }
}

/** Writes a task as /state shows it. */
function writeTask(w: JsonWriter, task: TaskView): void {
  const statuses = task.statuses;
  w.raw('{"id":');
  w.string(task.task_id);
  w.raw(',"name":');
  w.string(task.name);
  w.raw(',"framework_id":');
  w.string(task.framework_id);
  w.raw(',"executor_id":');
  w.string(task.executor_id);
  w.raw(',"slave_id":');
  w.string(task.agent_id);
  w.raw(',"state":');
  w.string(task.state);
  w.raw(',"resources":');
  writeSummary(w, task.resources);
  w.raw(',"role":');
  w.string(task.role);
  w.raw(',"statuses":[');
  for (let i = 0; i < statuses.length; i++) {
    const s = statuses[i]!;
    w.raw(i === 0 ? '{"state":' : ',{"state":');
    w.string(s.state);
    w.raw(',"timestamp":');
    w.number(s.timestamp);
    w.raw('}');
  }
  w.raw(']');
  writeTaskExtras(w, task);
  w.raw('}');
}

/** Task texts kept from page to page (task-texts.ts). */
const texts = new TaskTexts();

/** Writes a list of tasks, copying the texts of tasks unchanged since the last page. */
function writeTasks(w: JsonWriter, tasks: readonly TaskView[]): void {
  w.raw('[');
  texts.writeItems(w, tasks, writeTask);
  w.raw(']');
}

/** Writes a list (`[a,b]`) with `write` for each item. */
function writeList<T>(w: JsonWriter, items: readonly T[], write: (w: JsonWriter, item: T) => void): void {
  w.raw('[');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) w.raw(',');
    write(w, items[i]!);
  }
  w.raw(']');
}

function writeOffer(w: JsonWriter, offer: OfferView): void {
  w.raw('{"id":');
  w.string(offer.id);
  w.raw(',"framework_id":');
  w.string(offer.framework_id);
  w.raw(',"slave_id":');
  w.string(offer.agent_id);
  w.raw(',"resources":');
  writeSummary(w, offer.resources);
  w.raw(',"allocation_info":{"role":');
  w.string(offer.role);
  w.raw('}}');
}

function writeExecutor(w: JsonWriter, e: ExecutorView): void {
  w.raw('{"executor_id":');
  w.string(e.executor_id);
  w.raw(',"framework_id":');
  w.string(e.framework_id);
  w.raw(',"slave_id":');
  w.string(e.agent_id);
  w.raw(',"resources":');
  writeSummary(w, e.resources);
  w.raw('}');
}

/** The fields of a framework object other than its resources and lists, as JSON without its `}`. */
function frameworkHeadJson(framework: FrameworkView): string {
  const info = framework.info;
  const seconds = (ms: number | undefined) => (ms === undefined ? 0 : ms / 1000);
  const head = {
    id: framework.id,
    name: info.name,
    user: info.user,
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    principal: info.principal,
    roles: framework.roles,
    role: framework.roles[0] ?? '*',
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    registered_time: framework.registered_time_ms / 1000,
    reregistered_time: seconds(framework.reregistered_time_ms),
    unregistered_time: seconds(framework.unregistered_time_ms),
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
  };
  return JSON.stringify(head).slice(0, -1);
}

function writeFramework(w: JsonWriter, framework: FrameworkView): void {
  w.utf8(frameworkHeadJson(framework));
  w.raw(',"used_resources":');
  writeSummary(w, framework.used_resources);
  w.raw(',"offered_resources":');
  writeSummary(w, framework.offered_resources);
  w.raw(',"resources":');
  writeSummary(w, [...framework.used_resources, ...framework.offered_resources]);
  w.raw(',"tasks":');
  writeTasks(w, framework.tasks);
  w.raw(',"unreachable_tasks":');
  writeTasks(w, framework.unreachable_tasks);
  w.raw(',"completed_tasks":');
  writeTasks(w, framework.completed_tasks);
  w.raw(',"offers":');
  writeList(w, framework.offers, writeOffer);
  w.raw(',"executors":');
  writeList(w, framework.executors, writeExecutor);
  w.raw('}');
}

function writeFrameworks(w: JsonWriter, frameworks: readonly FrameworkView[]): void {
  w.raw('[');
  for (let i = 0; i < frameworks.length; i++) {
    if (i > 0) w.raw(',');
    writeFramework(w, frameworks[i]!);
  }
  w.raw(']');
}

/** Writes the /master/state page into `w`. */
function writePage(w: JsonWriter, view: MasterStateView, ctx: StatePageContext): void {
  const info = view.master_info;
  const version = info.version;
  let activated = 0;
  for (const a of view.agents) if (a.active) activated++;
  const head = {
    version,
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    start_time: view.start_time_ms / 1000,
    ...(ctx.elected_time_ms === undefined ? {} : { elected_time: ctx.elected_time_ms / 1000 }),
    leader: ctx.leader_info.pid,
    leader_info: ctx.leader_info,
    activated_slaves: activated,
    deactivated_slaves: view.agents.length - activated,
    unreachable_slaves: view.unreachable_agents.length,
    flags: ctx.flags,
  };
  w.utf8(JSON.stringify(head).slice(0, -1));
  w.raw(',"slaves":');
  writeList(w, view.agents, (w, a) => writeSlave(w, a, version));
  w.raw(',"frameworks":');
  writeFrameworks(w, view.frameworks);
  w.raw(',"completed_frameworks":');
  writeFrameworks(w, view.completed_frameworks);
  w.raw(',"orphan_tasks":[],"unregistered_frameworks":[]}');
}

/** The /master/state page as compact JSON text. */
export function stateJson(view: MasterStateView, ctx: StatePageContext): string {
  const w = new JsonWriter();
  writePage(w, view, ctx);
  return w.bytes().toString('utf8');
}

/**
 * Page buffers free for the next page, at most state_page_spares_max. A page of a large cluster is tens of megabytes:
 * allocating that much outside the heap for every read makes V8 run full collections.
 */
const spares: Buffer[] = [];
/** The buffer of the newest page: the next page copies kept task texts out of it. */
let newest: Buffer | undefined;
/** Whether the newest page's answer has been sent (its buffer is free once a newer page exists). */
let newestSent = false;
/** The size of the newest page: a fresh buffer starts a little larger, so that it need not grow. */
let newestBytes = 0;

/**
 * Bytes a page of the view will take, roughly (from above for the usual agents and tasks): the
 * first page of a large cluster allocates its buffer once, rather than doubling it a dozen times.
 */
function estimatedBytes(view: MasterStateView): number {
  let tasks = 0;
  for (const list of [view.frameworks, view.completed_frameworks]) {
    for (const f of list) tasks += f.tasks.length + f.unreachable_tasks.length + f.completed_tasks.length;
  }
  return 64 * 1024 + view.agents.length * 1024 + tasks * 448;
}

/** Gives a sent page's buffer back for reuse; the task texts kept in it become stale. */
function recycle(buf: Buffer): void {
  texts.retire(buf);
  if (spares.length < state_page_spares_max) spares.push(buf);
}

/** Answers a /master/state request: 200 with the page as compact JSON. */
export function sendStatePage(res: ServerResponse, view: MasterStateView, ctx: StatePageContext): void {
  const fresh = (): Buffer =>
    Buffer.allocUnsafe(Math.max(Math.ceil(newestBytes * 1.25), estimatedBytes(view)));
  const w = new JsonWriter(spares.pop() ?? fresh());
  texts.beginPage();
  writePage(w, view, ctx);
  texts.endPage();
  const body = w.bytes();
  newestBytes = body.length;
  const buffer = w.buffer();
  const previous = newest;
  const previousSent = newestSent;
  newest = buffer;
  newestSent = false;
  if (previous !== undefined && previousSent && previous !== buffer) recycle(previous);
  res.writeHead(200, { 'Content-Type': application_json, 'Content-Length': String(body.length) });
  // Once the answer is sent or abandoned, nothing reads the buffer any more. The newest page's
  // buffer waits for the next page, which copies task texts out of it.
  res.once('close', () => {
    if (buffer === newest) newestSent = true;
    else recycle(buffer);
  });
  res.end(body);
}
