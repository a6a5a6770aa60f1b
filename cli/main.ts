// The `meso` command line: one program, a subcommand per job. Each command's code is imported only
// when it runs, so `meso --help` and a command's start load no more than they use.
import { Command, CommanderError } from 'commander';
import { completed_frameworks_max, completed_tasks_per_framework_max } from '../engine/constants.ts';
import type { AgentCommandOptions } from './agent.ts';
import type { ExperimentCommandOptions } from './experiment.ts';
import { flag, runCommand } from './flags.ts';
import type { LocalCommandOptions } from './local.ts';
import type { MasterCommandOptions } from './master.ts';
import type { ReplayCommandOptions } from './replay.ts';
import type { SimCommandOptions } from './sim.ts';
import type { TestFrameworkCommandOptions } from './test-framework.ts';
import type { VizCommandOptions } from './viz.ts';
import type { ZooKeeperCommandOptions } from './zookeeper.ts';

/** Mesos's cap on completed tasks kept per framework: a flag of each command that runs a master. */
const maxCompletedTasksFlag = () =>
  flag(
    'max_completed_tasks_per_framework',
    'completed tasks the master keeps (and shows) per framework',
    String(completed_tasks_per_framework_max),
  );
/** Mesos's cap on the completed frameworks the master keeps. */
const maxCompletedFrameworksFlag = () =>
  flag(
    'max_completed_frameworks',
    'completed frameworks the master keeps (and shows), oldest dropped first',
    String(completed_frameworks_max),
  );

const program = new Command('meso')
  .description('meso: a cluster manager in the lineage of Apache Mesos, and a scheduling testbed')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program
  .command('scenario')
  .description('run a scenario file through the engine and print what happens')
  .argument('<file>', 'scenario file, e.g. test/scenarios/drf-example.txt')
  .action((file: string) =>
    runCommand('scenario', async () => (await import('./scenario.ts')).runScenarioCommand(file)),
  );

program
  .command('master')
  .description('run a live master (scheduler and operator HTTP APIs, agent channel)')
  .addOption(flag('ip', 'address to listen on', '127.0.0.1'))
  .addOption(flag('port', 'port to listen on', '5050'))
  .addOption(flag('hostname', 'hostname the master announces (default: the ip)'))
  .addOption(flag('policy', 'allocation policy: drf, asset, slots, static, fifo, random', 'drf'))
  .addOption(flag('allocation_interval_ms', 'time between batched allocation cycles', '1000'))
  .addOption(flag('heartbeat_interval_seconds', 'heartbeats to frameworks (below 10 s)'))
  .addOption(flag('seed', 'seed of the allocator generator (default: random, logged)'))
  .addOption(flag('journal', 'append every engine input to this NDJSON file, for replay'))
  .addOption(flag('log_level', 'trace, debug, info, warn, error', 'info'))
  .addOption(maxCompletedTasksFlag())
  .addOption(maxCompletedFrameworksFlag())
  .addOption(flag('work_dir', 'where the registry is kept without --zk (<work_dir>/registry)'))
  .addOption(
    flag(
      'registry',
      'replicated_log (durable: in ZooKeeper with --zk, under --work_dir without) or in_memory ' +
        '(default: replicated_log with --zk or --work_dir, else in_memory)',
    ),
  )
  .addOption(flag('roles', 'the only roles frameworks may subscribe in, e.g. prod,dev (default: any)'))
  .addOption(flag('weights', 'role weights to start with when the registry holds none, e.g. prod=3,dev=1'))
  .addOption(flag('credentials', 'JSON file of principals and secrets, as Mesos writes it (mode 0600)'))
  .addOption(flag('acls', "JSON file of Mesos's ACLs: who may register, tear down, reserve, view ..."))
  .addOption(
    flag(
      'rate_limits',
      "Mesos's RateLimits JSON, or a file of it (file:///path or /path): calls a second per principal",
    ),
  )
  .addOption(flag('max_connections', 'most connections the master holds', '16000'))
  .addOption(flag('max_connections_per_client', 'most connections from one address (default: no limit)'))
  .addOption(flag('http_header_timeout_ms', 'time a client has to send its headers', '10000'))
  .addOption(flag('authenticate_frameworks', 'frameworks must authenticate (true/false)', 'false'))
  .addOption(flag('authenticate_agents', 'agents must authenticate (true/false)', 'false'))
  .addOption(flag('authenticate_http_readonly', 'read-only endpoints need credentials (true/false)', 'false'))
  .addOption(
    flag('authenticate_http_readwrite', 'read-write endpoints need credentials (true/false)', 'false'),
  )
  .addOption(flag('zk', 'contend for the lead in this ZooKeeper group: zk://host1:port1,host2:port2/path'))
  .addOption(flag('quorum', "size of the masters' quorum (with --zk)"))
  .addOption(flag('zk_session_timeout', 'ZooKeeper session timeout (with --zk; default 10secs)'))
  .addOption(
    flag(
      'agent_reregister_timeout',
      'how long a new leader waits for agents to re-register (default 10mins)',
    ),
  )
  .addOption(flag('offer_timeout', 'rescind offers held this long (default: never)'))
  .addOption(flag('agent_ping_timeout', 'how long an agent has to answer a ping (default 15secs)'))
  .addOption(flag('max_agent_ping_timeouts', 'missed pings before an agent is unreachable (default 5)'))
  .action((opts: MasterCommandOptions) =>
    runCommand('master', async () => (await import('./master.ts')).runMasterCommand(opts)),
  );

program
  .command('agent')
  .description('run a live agent that registers with a master and runs its tasks')
  .addOption(
    flag('master', 'the master: host:port, or zk://host1:port1,host2:port2/path to follow the leader'),
  )
  .addOption(flag('credential', "file of the agent's principal and secret, as Mesos writes it"))
  .addOption(flag('http_credentials', "principals and secrets the agent's endpoints accept (mode 0600)"))
  .addOption(flag('authenticate_http_readonly', '/state, /files ... need credentials (true/false)', 'false'))
  .addOption(flag('authenticate_http_readwrite', 'the operator API needs credentials (true/false)', 'false'))
  .addOption(flag('acls', "JSON file of Mesos's ACLs: who may view tasks, read sandboxes ..."))
  .addOption(flag('work_dir', 'where sandboxes and the agent checkpoint live'))
  .addOption(flag('ip', 'address to listen on', '127.0.0.1'))
  .addOption(flag('port', 'port to listen on', '5051'))
  .addOption(flag('hostname', "hostname the agent announces (default: this machine's hostname)"))
  .addOption(flag('resources', 'resources to offer, e.g. cpus:4;mem:8192;ports:[31000-32000]'))
  .addOption(flag('attributes', 'attributes, e.g. rack:r1;zone:a'))
  .addOption(
    flag(
      'executor_reregistration_timeout_ms',
      'how long an executor recovered after a restart has to subscribe again, in ms',
    ),
  )
  .addOption(flag('log_level', 'trace, debug, info, warn, error', 'info'))
  .addOption(
    flag(
      'isolation',
      'isolators, e.g. cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid',
      'posix/cpu,posix/mem',
    ),
  )
  .addOption(
    flag('launcher', 'linux (cgroups and namespaces) or posix (default: linux when an isolator needs it)'),
  )
  .addOption(flag('cgroups_root', "the agent's cgroup below each hierarchy", 'meso'))
  .addOption(flag('cgroups_hierarchy', 'where the cgroup hierarchies are mounted', '/sys/fs/cgroup'))
  .addOption(flag('cgroups_enable_cfs', "a hard CPU quota from each container's cpus (true/false)", 'false'))
  .addOption(flag('cgroups_limit_swap', 'no swap beyond the memory limit (true/false)', 'true'))
  .addOption(flag('cgroups_pids_max', 'most processes per container', '4096'))
  .addOption(flag('switch_user', "run tasks as their command's or framework's user (true/false)", 'true'))
  .addOption(flag('gc_delay', 'how long the sandbox of an ended executor is kept, e.g. 1weeks', '1weeks'))
  .addOption(
    flag('gc_disk_headroom', 'disk fraction kept free: sandboxes go sooner as the disk fills', '0.1'),
  )
  .addOption(flag('disk_watch_interval', 'how often disk usage is checked, e.g. 1mins', '1mins'))
  .addOption(flag('frameworks_home', 'where the fetcher finds a URI given as a relative path'))
  .addOption(flag('fetcher_cache_dir', 'where URIs fetched with cache are kept (default: <work_dir>/fetch)'))
  .addOption(flag('fetcher_cache_size', 'space of the fetcher cache, e.g. 512MB (0B: no cache)', '2GB'))
  .addOption(flag('fetcher_stall_timeout', 'how long a download may receive nothing, e.g. 30secs', '1mins'))
  .action((opts: AgentCommandOptions) =>
    runCommand('agent', async () => (await import('./agent.ts')).runAgentCommand(opts)),
  );

program
  .command('local')
  .description('run a master, agents and a demo framework in this one process')
  .addOption(flag('agents', 'number of agents', '2'))
  .addOption(flag('ip', 'address to listen on', '127.0.0.1'))
  .addOption(flag('port', 'port of the master', '5050'))
  .addOption(flag('work_dir', "where the agents' sandboxes live (default: a temp dir, removed on exit)"))
  .addOption(flag('resources', 'resources of each agent, e.g. cpus:2;mem:2048 (default: detected)'))
  .addOption(flag('log_level', 'debug, info, warn, error, silent', 'warn'))
  .addOption(maxCompletedTasksFlag())
  .addOption(maxCompletedFrameworksFlag())
  .option('--zk [url]', 'masters in a ZooKeeper group: at this zk:// URL, or (bare) a ZooKeeper started here')
  .addOption(flag('masters', 'masters contending for the lead (with --zk; default 3)'))
  .addOption(
    flag('zk_session_timeout', 'ZooKeeper session timeout of the masters (with --zk; default 10secs)'),
  )
  .option('--demo', 'run the demo framework (the default)')
  .option('--no-demo', 'run no demo framework')
  .option(
    '--authenticate',
    'generate credentials (mode 0600, in the work_dir) and require them of frameworks, agents and HTTP',
  )
  .addOption(flag('acls', "the master's ACLs: a file of Mesos's ACL JSON"))
  .addOption(
    flag('rate_limits', "the master's RateLimits JSON, or a file of it: calls a second per principal"),
  )
  .action((opts: LocalCommandOptions) =>
    runCommand('local', async () => (await import('./local.ts')).runLocalCommand(opts)),
  );

program
  .command('zookeeper')
  .description(
    'run ZooKeeper on this machine for an HA cluster (standalone or a quorum); prints its zk:// URL',
  )
  .addOption(flag('servers', 'servers in the quorum (1: standalone)', '1'))
  .addOption(flag('dir', "the servers' data (default: a temp dir, removed on exit)"))
  .addOption(flag('path', 'the path masters contend under, in the URL printed', '/mesos'))
  .action((opts: ZooKeeperCommandOptions) =>
    runCommand('zookeeper', async () => (await import('./zookeeper.ts')).runZooKeeperCommand(opts)),
  );

program
  .command('test-framework')
  .description('launch tasks (cpus:1;mem:128) on a live master; exit 0 once all finished')
  .addOption(
    flag('master', 'the master: host:port, or zk://host1:port1,host2:port2/path to follow the leader'),
  )
  .addOption(flag('tasks', 'number of tasks', '5'))
  .addOption(flag('command', 'shell command every task runs', 'echo hello'))
  .addOption(flag('timeout_seconds', 'give up (exit 1) after this long (default: no limit)'))
  .addOption(flag('credential', "file of the framework's principal and secret"))
  .action((opts: TestFrameworkCommandOptions) =>
    runCommand('test-framework', async () =>
      (await import('./test-framework.ts')).runTestFrameworkCommand(opts),
    ),
  );

program
  .command('replay')
  .description("replay a live master's journal through the engine; compare with another policy")
  .argument('<journal>', 'a journal written by meso master --journal FILE')
  .option('--policy <name>', 'also replay under this policy: drf, asset, slots, static, fifo, random')
  .option('--out <dir>', "where trace.ndjson, the other policy's trace and report.json go")
  .action((journal: string, opts: ReplayCommandOptions) =>
    runCommand('replay', async () => (await import('./replay.ts')).runReplayCommand(journal, opts)),
  );

program
  .command('sim')
  .description('simulate a cluster and its workloads, far faster than real time')
  .argument('[config]', 'a JSON simulation config (see sim/examples/); or describe the run with flags')
  .option('--seed <seed>', 'seed of every random draw (printed at start)')
  .option('--out <dir>', 'where summary.json, the metrics CSVs and the trace go')
  .option('--hours <h>', 'simulated time to run at most')
  .option('--trace <spec>', 'a workload trace: swim:FILE or swf:FILE')
  .option('--workload <name>', 'a workload generator, e.g. facebook-hadoop, google')
  .option('--agents <n>', 'number of agents')
  .option('--agent-resources <resources>', 'resources of each agent, e.g. cpus:8;mem:16384')
  .option('--racks <n>', 'racks the agents are spread over')
  .option('--policy <name>', 'allocation policy: drf, asset, slots, static, fifo, random')
  .option('--latency-ms <ms>', 'network latency between master, agents and frameworks')
  .option('--loss <p>', 'probability that a message is lost')
  .option('--trace-events', 'also write trace.ndjson, every engine trace event')
  .option('--strict', 'stop at the first broken invariant')
  .action((config: string | undefined, opts: SimCommandOptions) =>
    runCommand('sim', async () =>
      (await import('./sim.ts')).runSimCommand({ ...opts, ...(config === undefined ? {} : { config }) }),
    ),
  );

program
  .command('viz')
  .description('open simulation traces (trace.ndjson) in the web trace viewer; two compare side by side')
  .argument('<traces...>', "one trace, or two to compare (e.g. an experiment's pair of runs)")
  .option('--port <port>', 'port to serve on, on 127.0.0.1 (default: any free port)')
  .action((traces: string[], opts: VizCommandOptions) =>
    runCommand('viz', async () => (await import('./viz.ts')).runVizCommand(traces, opts)),
  );

program
  .command('experiment')
  .description('reproducible experiments: run an experiment file (see experiments/README.md)')
  .command('run')
  .description('run every point and replicate of an experiment file; write results, plots and report.html')
  .argument('<file>', 'experiment file, e.g. experiments/macrobenchmark.json')
  .addOption(flag('out', 'output directory (default out/experiments/NAME)'))
  .addOption(flag('replicates', "replicates instead of the file's"))
  .addOption(flag('seed', "seed instead of the file's"))
  .addOption(flag('vars', "variables over the file's, e.g. agents=100,hours=6"))
  .addOption(flag('workers', 'worker threads (default: one per CPU; 0 runs in this thread)'))
  .option('--quick', "run the file's small quick variant")
  .action((file: string, opts: ExperimentCommandOptions) =>
    runCommand('experiment', async () => (await import('./experiment.ts')).runExperimentCommand(file, opts)),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode;
  else {
    process.stderr.write(`meso: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
