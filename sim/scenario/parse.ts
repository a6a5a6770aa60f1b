// The scenario language's parser: one command per line, `#` starts a comment, arguments are words
// or `key=value` pairs. It checks syntax and argument shapes, and checkNames that every agent and
// framework a command names was declared on an earlier line; a run does both before anything runs. Every error names the line and what was wrong.
import { parseQuantities, type Quantities } from '../../engine/quantities.ts';
import { parseResources } from '../../engine/resources.ts';
import { parseCount, parseDuration_ms, ScenarioError } from './values.ts';

/** Allocation policies a scenario may name. */
const scenario_policies = ['drf', 'asset', 'slots', 'fifo', 'random', 'static'] as const;
export type ScenarioPolicy = (typeof scenario_policies)[number];

/** Things `print` can show. */
const print_subjects = [
  'offers',
  'tasks',
  'shares',
  'allocation',
  'agents',
  'frameworks',
  'maintenance',
] as const;
export type PrintSubject = (typeof print_subjects)[number];

/** A framework as the scenario declares it: its roles and the demand its task launcher has. */
export interface FrameworkSpec {
  readonly name: string;
  readonly roles: readonly string[];
  /** Size of each task. */
  readonly task: Quantities;
  /** Tasks wanted in total; Infinity for an unbounded demand. */
  readonly tasks: number;
  /** Most tasks launched from one offer; Infinity for no cap. */
  readonly per_offer: number;
  /** refuse_seconds the framework asks for what it declines or leaves unused. */
  readonly refuse_seconds: number;
  /** How long each task runs in the sim; Infinity for forever. */
  readonly duration_ms: number;
  readonly failover_timeout_seconds: number;
  /** Suppress offers once the demand is met, instead of declining what comes. */
  readonly suppress_when_done: boolean;
  /** FrameworkInfo.checkpoint: its tasks outlive a broken agent connection. */
  readonly checkpoint: boolean;
}

/** One parsed command with the line it came from. */
export type ScenarioCommand = { readonly line: number; readonly text: string } & (
  | {
      readonly kind: 'agent';
      readonly name: string;
      /** Resources in the agent flag form, e.g. `cpus:9;mem:18432;cpus(prod):2`. */
      readonly resources: string;
      readonly attributes: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'role';
      readonly role: string;
      readonly weight: number | undefined;
      readonly quota: Quantities | undefined;
      readonly limit: Quantities | undefined;
    }
  | { readonly kind: 'framework'; readonly spec: FrameworkSpec }
  | { readonly kind: 'policy'; readonly policy: ScenarioPolicy; readonly seed: string }
  | { readonly kind: 'allocate' }
  | { readonly kind: 'run'; readonly rounds_max: number | undefined }
  | { readonly kind: 'tick'; readonly duration_ms: number }
  | { readonly kind: 'decline'; readonly framework: string; readonly refuse_seconds: number | undefined }
  | { readonly kind: 'suppress' | 'revive'; readonly framework: string; readonly role: string | undefined }
  | { readonly kind: 'agent-remove' | 'agent-fail' | 'agent-restart'; readonly agent: string }
  | { readonly kind: 'failover' | 'disconnect' | 'teardown'; readonly framework: string }
  | { readonly kind: 'finish'; readonly framework: string; readonly count: number | undefined }
  | {
      readonly kind: 'accept';
      readonly framework: string;
      /** The held offer to accept (scenario name, e.g. O3); the first held offer when absent. */
      readonly offer: string | undefined;
      readonly refuse_seconds: number | undefined;
      readonly operations: readonly AcceptOperation[];
    }
  | { readonly kind: 'print'; readonly subject: PrintSubject }
  | { readonly kind: 'schedule'; readonly windows: readonly ScheduleWindow[] }
  | { readonly kind: 'machine-down' | 'machine-up'; readonly machines: readonly string[] }
  | {
      readonly kind: 'inverse-accept' | 'inverse-decline';
      readonly framework: string;
      readonly refuse_seconds: number | undefined;
    }
);

/** A maintenance window of `schedule`: machines (named as their agents) from `start_ms` for `duration_ms`. */
export interface ScheduleWindow {
  readonly machines: readonly string[];
  readonly start_ms: number;
  readonly duration_ms: number | undefined;
}

/** Parses machine names `a1,a2` (each named as the agent on it; no agent need run there). */
function parseMachines(text: string | undefined, command: string): string[] {
  if (text === undefined || text === '') throw new ScenarioError(`${command}: name the machines, e.g. a1,a2`);
  return text.split(',').map((name) => checkName(name, 'machine', command));
}

/** Parses `schedule [MACHINES@START[+DURATION] ...]`; no window clears the schedule. */
function parseSchedule(args: readonly string[]): ScheduleWindow[] {
  return args.map((word) => {
    const m = /^([^@+]+)@([^@+]+)(?:\+([^@+]+))?$/.exec(word);
    if (!m)
      throw new ScenarioError(
        `schedule: expected MACHINES@START[+DURATION] such as a1,a2@10s+1h, got '${word}'`,
      );
    return {
      machines: parseMachines(m[1], 'schedule'),
      start_ms: parseDuration_ms(m[2]!, 'schedule: start'),
      duration_ms: m[3] === undefined ? undefined : parseDuration_ms(m[3], 'schedule: duration'),
    };
  });
}

/** Operations an `accept` command may carry, in the order given. */
const accept_operations = ['reserve', 'unreserve', 'create', 'destroy', 'launch'] as const;

/** One operation of an `accept`: its kind and resources in the agent flag form. */
export interface AcceptOperation {
  readonly type: (typeof accept_operations)[number];
  readonly resources: string;
}

/** Parses `accept FRAMEWORK [offer=O#] [refuse=D] OP=RESOURCES ...` (operations may repeat, in order). */
function parseAccept(args: readonly string[]): DistributiveOmit<ScenarioCommand, 'line' | 'text'> {
  const framework = checkName(args[0], 'framework', 'accept');
  let offer: string | undefined;
  let refuse_seconds: number | undefined;
  const operations: AcceptOperation[] = [];
  for (const word of args.slice(1)) {
    const eq = word.indexOf('=');
    const key = eq <= 0 ? '' : word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (key === 'offer') {
      if (offer !== undefined) throw new ScenarioError(`accept: option 'offer' given twice`);
      if (!/^O\d+$/.test(value))
        throw new ScenarioError(`accept: offer must name an offer such as O3, got '${value}'`);
      offer = value;
    } else if (key === 'refuse') {
      if (refuse_seconds !== undefined) throw new ScenarioError(`accept: option 'refuse' given twice`);
      refuse_seconds = parseDuration_ms(value, 'accept: refuse') / 1000;
    } else if ((accept_operations as readonly string[]).includes(key)) {
      try {
        parseResources(value);
      } catch (error) {
        throw new ScenarioError(`accept: ${key}: ${(error as Error).message}`);
      }
      operations.push({ type: key as AcceptOperation['type'], resources: value });
    } else {
      throw new ScenarioError(
        `accept: expected offer=, refuse= or an operation (${accept_operations.join(', ')})=RESOURCES, got '${word}'`,
      );
    }
  }
  if (operations.length === 0)
    throw new ScenarioError(`accept: give at least one operation, e.g. reserve=cpus(dynamic:prod):2`);
  return { kind: 'accept', framework, offer, refuse_seconds, operations };
}

/** A scenario line: a command, or a comment or blank line kept so output can echo it. */
export type ScenarioLine =
  | { readonly kind: 'command'; readonly command: ScenarioCommand }
  | { readonly kind: 'comment'; readonly line: number; readonly text: string };

const name_pattern = /^[A-Za-z0-9][\w.-]*$/;

/** Splits `key=value` words into a map, rejecting keys not in `allowed` and repeated keys. */
function keyValues(
  words: readonly string[],
  allowed: readonly string[],
  command: string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new ScenarioError(`${command}: expected key=value, got '${word}'`);
    const key = word.slice(0, eq);
    if (!allowed.includes(key)) {
      throw new ScenarioError(`${command}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
    }
    if (out.has(key)) throw new ScenarioError(`${command}: option '${key}' given twice`);
    out.set(key, word.slice(eq + 1));
  }
  return out;
}

/** Checks a user-chosen name (agent or framework). */
function checkName(word: string | undefined, what: string, command: string): string {
  if (word === undefined) throw new ScenarioError(`${command}: missing ${what} name`);
  if (!name_pattern.test(word)) {
    throw new ScenarioError(`${command}: bad ${what} name '${word}' (letters, digits, '.', '_', '-')`);
  }
  return word;
}

/** Checks that a command got at most `max` positional words after its name. */
function checkArity(args: readonly string[], max: number, usage: string): void {
  if (args.length > max) throw new ScenarioError(`too many arguments: usage is '${usage}'`);
}

/** Parses `agent NAME res=value ... [attr key=value ...]`. */
function parseAgent(args: readonly string[]): AgentFields {
  const name = checkName(args[0], 'agent', 'agent');
  const attrAt = args.indexOf('attr');
  const resourceWords = args.slice(1, attrAt < 0 ? args.length : attrAt);
  const attributeWords = attrAt < 0 ? [] : args.slice(attrAt + 1);
  const parts: string[] = [];
  for (const word of resourceWords) {
    const m = /^([A-Za-z_][\w.-]*(?:\([\w./*-]+\))?)=(\S+)$/.exec(word);
    if (!m) throw new ScenarioError(`agent: expected a resource NAME=VALUE (e.g. cpus=4), got '${word}'`);
    parts.push(`${m[1]}:${m[2]}`);
  }
  if (parts.length === 0) throw new ScenarioError(`agent ${name}: no resources given (e.g. cpus=4 mem=8192)`);
  try {
    parseResources(parts.join(';'));
  } catch (error) {
    throw new ScenarioError(`agent ${name}: ${(error as Error).message}`);
  }
  const attributes: Record<string, string> = {};
  for (const word of attributeWords) {
    const m = /^([A-Za-z_][\w.-]*)=(\S+)$/.exec(word);
    if (!m) throw new ScenarioError(`agent ${name}: expected an attribute KEY=VALUE, got '${word}'`);
    if (m[1]! in attributes) throw new ScenarioError(`agent ${name}: attribute '${m[1]}' given twice`);
    attributes[m[1]!] = m[2]!;
  }
  return { kind: 'agent', name, resources: parts.join(';'), attributes };
}

type AgentFields = { kind: 'agent'; name: string; resources: string; attributes: Record<string, string> };

/** Parses a role path such as `prod/hadoop`. */
function checkRole(word: string | undefined, command: string): string {
  if (word === undefined) throw new ScenarioError(`${command}: missing role`);
  if (word !== '*' && !/^[\w.-]+(\/[\w.-]+)*$/.test(word)) {
    throw new ScenarioError(`${command}: bad role '${word}' (e.g. prod or prod/hadoop)`);
  }
  return word;
}

/** Parses a quantity option such as `quota=cpus:4;mem:8192`. */
function quantitiesOption(text: string | undefined, what: string): Quantities | undefined {
  if (text === undefined) return undefined;
  try {
    return parseQuantities(text);
  } catch (error) {
    throw new ScenarioError(`${what}: ${(error as Error).message}`);
  }
}

/** Parses a non-negative number option. */
function numberOption(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new ScenarioError(`${what}: expected a non-negative number, got '${text}'`);
  }
  return value;
}

const framework_options = [
  'role',
  'roles',
  'task',
  'tasks',
  'per_offer',
  'refuse',
  'duration',
  'failover_timeout',
  'when_done',
  'checkpoint',
] as const;

/** Parses `framework NAME role=R task=... [options]`. */
function parseFramework(args: readonly string[]): FrameworkSpec {
  const name = checkName(args[0], 'framework', 'framework');
  const opts = keyValues(args.slice(1), framework_options, `framework ${name}`);
  const role = opts.get('role');
  const rolesText = opts.get('roles');
  if (role !== undefined && rolesText !== undefined) {
    throw new ScenarioError(`framework ${name}: give role= or roles=, not both`);
  }
  const roles = (rolesText ?? role ?? '*').split(',').map((r) => checkRole(r, `framework ${name}`));
  const taskText = opts.get('task');
  if (taskText === undefined)
    throw new ScenarioError(`framework ${name}: missing task= (e.g. task=cpus:1;mem:4096)`);
  const task = quantitiesOption(taskText, `framework ${name}: task`)!;
  if (Object.keys(task).length === 0) throw new ScenarioError(`framework ${name}: task= names no resources`);
  const whenDone = opts.get('when_done') ?? 'decline';
  if (whenDone !== 'decline' && whenDone !== 'suppress') {
    throw new ScenarioError(`framework ${name}: when_done must be decline or suppress, got '${whenDone}'`);
  }
  const checkpoint = opts.get('checkpoint') ?? 'no';
  if (checkpoint !== 'yes' && checkpoint !== 'no') {
    throw new ScenarioError(`framework ${name}: checkpoint must be yes or no, got '${checkpoint}'`);
  }
  return {
    name,
    roles,
    task,
    tasks: parseCount(opts.get('tasks') ?? 'inf', `framework ${name}: tasks`),
    per_offer: parseCount(opts.get('per_offer') ?? 'inf', `framework ${name}: per_offer`, true, false),
    refuse_seconds: parseDuration_ms(opts.get('refuse') ?? '5s', `framework ${name}: refuse`) / 1000,
    duration_ms: parseDuration_ms(opts.get('duration') ?? 'forever', `framework ${name}: duration`, true),
    failover_timeout_seconds:
      parseDuration_ms(opts.get('failover_timeout') ?? '0s', `framework ${name}: failover_timeout`) / 1000,
    suppress_when_done: whenDone === 'suppress',
    checkpoint: checkpoint === 'yes',
  };
}

/** Parses one command's words (the first is the command name). */
function parseWords(words: readonly string[]): DistributiveOmit<ScenarioCommand, 'line' | 'text'> {
  const [name, ...args] = words as [string, ...string[]];
  switch (name) {
    case 'agent':
      return parseAgent(args);
    case 'role': {
      const role = checkRole(args[0], 'role');
      if (role === '*') throw new ScenarioError(`role: '*' cannot be configured`);
      const opts = keyValues(args.slice(1), ['weight', 'quota', 'limit'], `role ${role}`);
      const weight = numberOption(opts.get('weight'), `role ${role}: weight`);
      if (weight === 0) throw new ScenarioError(`role ${role}: weight must be positive`);
      const quota = quantitiesOption(opts.get('quota'), `role ${role}: quota`);
      const limit = quantitiesOption(opts.get('limit'), `role ${role}: limit`);
      return { kind: 'role', role, weight, quota, limit };
    }
    case 'framework':
      return { kind: 'framework', spec: parseFramework(args) };
    case 'policy': {
      const policy = args[0];
      if (policy === undefined || !(scenario_policies as readonly string[]).includes(policy)) {
        throw new ScenarioError(
          `policy: expected one of ${scenario_policies.join(', ')}, got '${policy ?? ''}'`,
        );
      }
      const opts = keyValues(args.slice(1), ['seed'], 'policy');
      return { kind: 'policy', policy: policy as ScenarioPolicy, seed: opts.get('seed') ?? '1' };
    }
    case 'allocate':
      checkArity(args, 0, 'allocate');
      return { kind: 'allocate' };
    case 'run': {
      const opts = keyValues(args, ['max'], 'run');
      const max = opts.get('max');
      return {
        kind: 'run',
        rounds_max: max === undefined ? undefined : parseCount(max, 'run: max', false, false),
      };
    }
    case 'tick':
      checkArity(args, 1, 'tick DURATION');
      if (args[0] === undefined) throw new ScenarioError('tick: missing duration (e.g. tick 5s)');
      return { kind: 'tick', duration_ms: parseDuration_ms(args[0], 'tick') };
    case 'decline': {
      const framework = checkName(args[0], 'framework', 'decline');
      const refuse = keyValues(args.slice(1), ['refuse'], 'decline').get('refuse');
      const refuse_seconds =
        refuse === undefined ? undefined : parseDuration_ms(refuse, 'decline: refuse') / 1000;
      return { kind: 'decline', framework, refuse_seconds };
    }
    case 'suppress':
    case 'revive':
      checkArity(args, 2, `${name} FRAMEWORK [ROLE]`);
      return {
        kind: name,
        framework: checkName(args[0], 'framework', name),
        role: args[1] === undefined ? undefined : checkRole(args[1], name),
      };
    case 'agent-remove':
    case 'agent-fail':
    case 'agent-restart':
      checkArity(args, 1, `${name} AGENT`);
      return { kind: name, agent: checkName(args[0], 'agent', name) };
    case 'failover':
    case 'disconnect':
    case 'teardown':
      checkArity(args, 1, `${name} FRAMEWORK`);
      return { kind: name, framework: checkName(args[0], 'framework', name) };
    case 'finish': {
      checkArity(args, 2, 'finish FRAMEWORK [N]');
      const framework = checkName(args[0], 'framework', 'finish');
      const count = args[1] === undefined ? undefined : parseCount(args[1], 'finish: count', false, false);
      return { kind: 'finish', framework, count };
    }
    case 'accept':
      return parseAccept(args);
    case 'schedule':
      return { kind: 'schedule', windows: parseSchedule(args) };
    case 'machine-down':
    case 'machine-up':
      checkArity(args, 1, `${name} MACHINE[,MACHINE...]`);
      return { kind: name, machines: parseMachines(args[0], name) };
    case 'inverse-accept':
    case 'inverse-decline': {
      const framework = checkName(args[0], 'framework', name);
      const refuse = keyValues(args.slice(1), ['refuse'], name).get('refuse');
      const refuse_seconds =
        refuse === undefined ? undefined : parseDuration_ms(refuse, `${name}: refuse`) / 1000;
      return { kind: name, framework, refuse_seconds };
    }
    case 'print': {
      checkArity(args, 1, `print ${print_subjects.join('|')}`);
      const subject = args[0];
      if (subject === undefined || !(print_subjects as readonly string[]).includes(subject)) {
        throw new ScenarioError(
          `print: expected one of ${print_subjects.join(', ')}, got '${subject ?? ''}'`,
        );
      }
      return { kind: 'print', subject: subject as PrintSubject };
    }
    default:
      throw new ScenarioError(`unknown command '${name}'`);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Parses a scenario file's text; throws a ScenarioError naming the line of the first problem. */
export function parseScenario(source: string): ScenarioLine[] {
  const out: ScenarioLine[] = [];
  const lines = source.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const hash = raw.indexOf('#');
    const code = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (code === '') {
      out.push({ kind: 'comment', line, text: raw.trimEnd() });
      return;
    }
    const words = code.split(/\s+/);
    try {
      const command = { ...parseWords(words), line, text: words.join(' ') } as ScenarioCommand;
      out.push({ kind: 'command', command });
    } catch (error) {
      if (error instanceof ScenarioError) throw error.atLine(line);
      throw error;
    }
  });
  return out;
}

/**
 * Checks that every agent and framework a command names was declared on an earlier line, so that a
 * misspelt name is reported before the file runs rather than after the lines before it ran.
 */
export function checkNames(lines: readonly ScenarioLine[]): void {
  const agents = new Set<string>();
  const frameworks = new Set<string>();
  for (const line of lines) {
    if (line.kind !== 'command') continue;
    const command = line.command;
    if (command.kind === 'agent') agents.add(command.name);
    else if (command.kind === 'framework') frameworks.add(command.spec.name);
    else if ('agent' in command && !agents.has(command.agent)) {
      throw new ScenarioError(
        `unknown agent '${command.agent}' (no earlier 'agent ${command.agent}' line)`,
        command.line,
      );
    } else if ('framework' in command && !frameworks.has(command.framework)) {
      throw new ScenarioError(
        `unknown framework '${command.framework}' (no earlier 'framework ${command.framework}' line)`,
        command.line,
      );
    }
  }
}
