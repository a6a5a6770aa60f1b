// `meso local`: a whole cluster in this one process, as `mesos local` runs one: a master, N agents
// (each with its own work_dir under --work_dir, a temp dir by default, removed on exit) and, unless
// --no-demo, a demo framework that keeps a few short tasks running so the web UI has something to
// show. It prints the master's URL and runs until SIGINT or SIGTERM, then stops everything: the
// demo framework tears down, the agents kill what they run (the work of checkpointing frameworks
// too: unlike a `meso agent` process, a local cluster owns its agents and leaves nothing behind),
// the master stops. With --zk it runs several masters in a ZooKeeper group (local-ha.ts). With
// --authenticate it writes a credentials file of random secrets (mode 0600) into its work_dir and
// runs authenticated throughout: the master requires credentials of frameworks, agents and every
// HTTP caller, and its agents and demo framework present their own.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { agent_ports_default } from '../engine/constants.ts';
import type { FrameworkCall } from '../engine/master/scheduler-api.ts';
import type { FrameworkLogic } from '../engine/scheduling/framework-logic.ts';
import { createTaskLauncher } from '../engine/scheduling/task-launcher.ts';
import { type RunningAgent, startAgent } from '../runtime/agent/agent.ts';
import { offerableDiskMb, offerableMemoryMb } from '../runtime/agent/resources.ts';
import { type LogLevel, log_levels } from '../runtime/log.ts';
import { readAclsFile } from '../runtime/master/acls.ts';
import { readRateLimitsFlag } from '../runtime/master/rate-limits.ts';
import type { RunningMaster } from '../runtime/master/server.ts';
import { type LiveFramework, runLiveFramework } from '../runtime/sdk/live-framework.ts';
import type { Credential } from '../runtime/wire/credentials.ts';
import type { ZkMasterDetector } from '../runtime/zk/detector.ts';
import { followMaster } from '../runtime/zk/follow.ts';
import { countOf, portOf, serverTlsOption, untilStopSignal } from './flags.ts';
import { type LocalHaOptions, type LocalMasters, startLocalMasters } from './local-ha.ts';

/** Most agents one local cluster runs. */
const local_agents_max = 64;
/** Tasks the demo framework keeps running at once, and how long each runs. */
const demo_tasks_active_max = 4;
const demo_task_duration_ms = 4000;
/** How long each stage of stopping may take before the next goes ahead. */
const stop_stage_ms = 8000;

/** The command's options, as text from the command line (numbers are accepted too). */
export interface LocalCommandOptions extends LocalHaOptions {
  readonly agents?: string | number;
  readonly ip?: string;
  readonly port?: string | number;
  readonly work_dir?: string;
  /** false with --no-demo; the demo runs otherwise. */
  readonly demo?: boolean;
  readonly resources?: string;
  readonly log_level?: string;
  readonly max_completed_tasks_per_framework?: string | number;
  readonly max_completed_frameworks?: string | number;
  /** Generate credentials and require them of frameworks, agents and HTTP callers. */
  readonly authenticate?: boolean;
  /** The master's --acls file and --rate_limits, passed on to it. */
  readonly acls?: string;
  readonly rate_limits?: string;
}

/** A running local cluster. */
export interface LocalCluster {
  /** The first master (the only one without --zk). */
  readonly master: RunningMaster;
  /** Every master, and the address agents and frameworks follow. */
  readonly group: LocalMasters;
  readonly agents: readonly RunningAgent[];
  readonly demo: LiveFramework | undefined;
  readonly work_dir: string;
  /** With --authenticate: the credentials file (in work_dir) and the principals in it. */
  readonly credentials: LocalCredentials | undefined;
  /** Stops the demo, the agents and the master, and removes a temp work_dir. */
  stop(): Promise<void>;
}

/** The credentials a local cluster made for itself with --authenticate. */
export interface LocalCredentials {
  /** The file holding them, in Mesos's JSON credentials format, mode 0600. */
  readonly file: string;
  readonly agents: readonly Credential[];
  readonly demo: Credential;
  /** For people and tools calling the master's endpoints. */
  readonly operator: Credential;
}

/** A fresh random secret. */
function secret(): string {
  return randomBytes(24).toString('base64url');
}

/** Makes a credential for each agent, the demo framework and an operator and writes them, 0600. */
async function writeLocalCredentials(work_dir: string, agents: number): Promise<LocalCredentials> {
  const file = join(work_dir, 'credentials.json');
  const credentials: LocalCredentials = {
    file,
    agents: Array.from({ length: agents }, (_, i) => ({ principal: `agent-${i + 1}`, secret: secret() })),
    demo: { principal: 'demo', secret: secret() },
    operator: { principal: 'operator', secret: secret() },
  };
  const all = [...credentials.agents, credentials.demo, credentials.operator];
  // A file of an earlier run goes first, so the new one is created 0600 and never was otherwise.
  await rm(file, { force: true });
  await writeFile(file, `${JSON.stringify({ credentials: all }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return credentials;
}

/** The demo framework: a task launcher that keeps at most a few short tasks running. */
export function demoFrameworkLogic(): FrameworkLogic {
  const launcher = createTaskLauncher({
    name: 'meso demo',
    roles: ['*'],
    task: { cpus: 0.1, mem: 32 },
    tasks: Number.POSITIVE_INFINITY,
    per_offer: 1,
    refuse_seconds: 1,
    duration_ms: demo_task_duration_ms,
    task_id_prefix: 'demo',
  });
  return {
    name: launcher.name,
    frameworkInfo: () => launcher.frameworkInfo(),
    subscribed: (id, now) => launcher.subscribed(id, now),
    offers(offers, now): FrameworkCall[] {
      if (launcher.status().active < demo_tasks_active_max) return launcher.offers(offers, now);
      const framework_id = { value: launcher.frameworkInfo().id?.value ?? '' };
      const offer_ids = offers.map((offer) => offer.id);
      return [{ type: 'DECLINE', framework_id, decline: { offer_ids, filters: { refuse_seconds: 1 } } }];
    },
    rescinded: (id, now) => launcher.rescinded(id, now),
    update: (status, now) => launcher.update(status, now),
    error: (message, now) => launcher.error(message, now),
  };
}

/** The checked options; throws naming a bad flag. */
function settingsOf(opts: LocalCommandOptions) {
  const agents = Number(opts.agents ?? 2);
  if (!(Number.isInteger(agents) && agents >= 0 && agents <= local_agents_max)) {
    throw new Error(`--agents must be a whole number from 0 to ${local_agents_max}, got '${opts.agents}'`);
  }
  if (opts.log_level !== undefined && !log_levels.includes(opts.log_level as LogLevel)) {
    throw new Error(`--log_level must be one of ${log_levels.join(', ')}, got '${opts.log_level}'`);
  }
  const tasks_max = countOf(opts.max_completed_tasks_per_framework, 'max_completed_tasks_per_framework');
  const frameworks_max = countOf(opts.max_completed_frameworks, 'max_completed_frameworks');
  return {
    agents,
    ip: opts.ip ?? '127.0.0.1',
    port: portOf(opts.port ?? 5050) ?? 5050,
    demo: opts.demo !== false,
    log_level: (opts.log_level ?? 'warn') as LogLevel,
    ...(opts.resources === undefined ? {} : { resources: opts.resources }),
    authenticate: opts.authenticate === true,
    security: {
      ...(opts.acls === undefined ? {} : { acls: readAclsFile(opts.acls) }),
      ...(opts.rate_limits === undefined ? {} : { rate_limits: readRateLimitsFlag(opts.rate_limits) }),
    },
    // Masters and agents serve TLS, and everyone dials it, as LIBPROCESS_SSL_* say.
    tls: serverTlsOption(),
    caps: {
      ...(tasks_max === undefined ? {} : { completed_tasks_per_framework_max: tasks_max }),
      ...(frameworks_max === undefined ? {} : { completed_frameworks_max: frameworks_max }),
    },
  };
}

/** Resolves with `promise`, or after `ms` whatever happened (stopping must not hang). */
function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        done();
      },
      () => {
        clearTimeout(timer);
        done();
      },
    );
  });
}

/** This machine as the agents of a local cluster share it: cores, offerable memory and disk (MB). */
export interface Machine {
  readonly cpus: number;
  readonly mem_mb: number;
  readonly disk_mb: number;
}

/**
 * The --resources of agent `index` (from 0) of `agents` when none are given: an equal share of the
 * machine's cores, memory and disk and a slice of the default port range of its own, so the cluster
 * offers the machine once in all, not once per agent, and no two agents offer the same port.
 */
export function machineShare(machine: Machine, agents: number, index: number): string {
  const cpus = Math.max(0.1, Math.floor((machine.cpus / agents) * 10) / 10);
  const mem = Math.floor(machine.mem_mb / agents);
  const disk = Math.floor(machine.disk_mb / agents);
  const [low, high] = (/^\[(\d+)-(\d+)\]$/.exec(agent_ports_default) ?? []).slice(1).map(Number) as [
    number,
    number,
  ];
  const width = Math.floor((high - low + 1) / agents);
  const begin = low + index * width;
  return `cpus:${cpus};mem:${mem};disk:${disk};ports:[${begin}-${begin + width - 1}]`;
}

/** This machine's cores, memory and the disk of the file system holding `dir`. */
async function thisMachine(dir: string): Promise<Machine> {
  const fs = await statfs(dir);
  return {
    cpus: availableParallelism(),
    mem_mb: offerableMemoryMb(totalmem()),
    disk_mb: offerableDiskMb(fs.blocks * fs.bsize),
  };
}

/** Starts a master, its agents and the demo framework in this process. */
export async function startLocalCluster(opts: LocalCommandOptions): Promise<LocalCluster> {
  const settings = settingsOf(opts);
  const temporary = opts.work_dir === undefined || opts.work_dir === '';
  const work_dir = temporary ? await mkdtemp(join(tmpdir(), 'meso-local-')) : resolve(opts.work_dir!);
  await mkdir(work_dir, { recursive: true });
  const { ip, log_level } = settings;
  const credentials = settings.authenticate
    ? await writeLocalCredentials(work_dir, settings.agents).catch(async (error: unknown) => {
        if (temporary) await rm(work_dir, { recursive: true, force: true });
        throw error;
      })
    : undefined;
  const authentication =
    credentials === undefined
      ? {}
      : {
          credentials: [...credentials.agents, credentials.demo, credentials.operator],
          authenticate_frameworks: true,
          authenticate_agents: true,
          authenticate_http_readonly: true,
          authenticate_http_readwrite: true,
        };
  const group = await startLocalMasters(opts, {
    ip,
    port: settings.port,
    log_level,
    ...settings.caps,
    ...settings.tls,
    ...settings.security,
    ...authentication,
  }).catch(async (error: unknown) => {
    if (temporary) await rm(work_dir, { recursive: true, force: true });
    throw error;
  });
  const master = group.masters[0]!;
  const machine = settings.resources === undefined ? await thisMachine(work_dir) : undefined;
  // Each agent follows the leader with a detector of its own, as separate agents would.
  const detectors: ZkMasterDetector[] = [];
  const follow = (): string | ZkMasterDetector => {
    const master = followMaster(group.address);
    if (typeof master !== 'string') detectors.push(master);
    return master;
  };
  const stopDetectors = (): Promise<unknown> => Promise.all(detectors.map((d) => d.stop()));
  const started = await Promise.allSettled(
    Array.from({ length: settings.agents }, (_, i) =>
      startAgent({
        master: follow(),
        ip,
        port: 0,
        work_dir: join(work_dir, `agent-${i + 1}`),
        log_level,
        registration_backoff_ms_min: 100,
        ...settings.tls,
        ...(credentials === undefined ? {} : { credential: credentials.agents[i]! }),
        resources: machine === undefined ? settings.resources : machineShare(machine, settings.agents, i),
      }),
    ),
  );
  const agents = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  try {
    if (failed !== undefined) throw failed.reason;
    await Promise.all(agents.map((agent) => agent.registered()));
  } catch (error) {
    await Promise.all(agents.map((agent) => agent.stop()));
    await stopDetectors();
    await group.stop();
    if (temporary) await rm(work_dir, { recursive: true, force: true });
    throw error;
  }
  const demo = settings.demo
    ? runLiveFramework({
        master: group.address,
        logic: demoFrameworkLogic(),
        client: {
          tls: settings.tls.tls ?? false,
          ...(credentials === undefined ? {} : { credential: credentials.demo }),
        },
      })
    : undefined;
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    if (demo !== undefined) {
      const down = demo.client.subscription === undefined ? demo.stop() : demo.teardown();
      await bounded(
        down.catch(() => demo.stop()),
        stop_stage_ms,
      );
    }
    await bounded(Promise.all(agents.map((agent) => agent.stop({ recoverable: false }))), stop_stage_ms);
    await bounded(stopDetectors(), stop_stage_ms);
    await bounded(group.stop(), stop_stage_ms);
    if (temporary) await rm(work_dir, { recursive: true, force: true });
  };
  return {
    master,
    group,
    agents,
    demo,
    work_dir,
    credentials,
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Runs a local cluster until SIGINT or SIGTERM; resolves with the exit code once it has stopped. */
export async function runLocalCommand(opts: LocalCommandOptions): Promise<number> {
  const cluster = await startLocalCluster(opts);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  const { group } = cluster;
  const leader = group.leading() ?? cluster.master;
  if (group.masters.length > 1 || group.address.startsWith('zk://')) {
    out(`meso local: masters ${group.masters.map((m) => m.url).join(' ')} in ${group.address}`);
    out(`meso local: ${leader.url} leads; agents and frameworks follow ${group.address}`);
  }
  out(`meso local: master ${leader.url} with ${cluster.agents.length} agents`);
  out(`meso local: state at ${leader.url}/master/state; work_dir ${cluster.work_dir}`);
  if (cluster.credentials !== undefined) {
    const { file, operator } = cluster.credentials;
    out(`meso local: authentication on; principals and secrets in ${file} (mode 0600)`);
    out(`meso local: call the master as principal '${operator.principal}' with its secret from that file`);
  }
  if (cluster.demo !== undefined) out('meso local: a demo framework keeps a few short tasks running');
  out('meso local: Ctrl-C stops everything');
  await untilStopSignal();
  await cluster.stop();
  out('meso local: stopped');
  return 0;
}
