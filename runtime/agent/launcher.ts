// The launcher starts and destroys the processes of a container, as Mesos's launcher does, and
// hands back what the agent holds of each container. The posix launcher (posix-launcher.ts) gives
// every container a process group of its own; the linux launcher (linux-launcher.ts) gives it
// cgroups and namespaces behind the same interface.
import type { ContainerRecord, ResourceUsage } from './process-groups.ts';

/** How a process ended: its exit status, or the signal that ended it (a name like 'SIGTERM'). */
export type ExitResult = { readonly code: number } | { readonly signal: string };

/** The command to run, as Mesos's CommandInfo says it. */
export interface LaunchCommand {
  readonly value: string;
  /** true: run `sh -c value` (arguments ignored); false: exec `value` with argv = arguments. */
  readonly shell: boolean;
  /** With shell false, the whole argv: arguments[0] is argv[0], as execlp(value, arguments...). */
  readonly arguments: readonly string[];
}

/** What a launcher needs to start a container's process. */
export interface LaunchRequest {
  /** The sandbox directory: the working directory, and where files `stdout` and `stderr` go. */
  readonly sandbox_dir: string;
  readonly command: LaunchCommand;
  /** The whole environment of the process: nothing is inherited from the agent. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Where the command's exit status is recorded when it ends, so that an agent restarted meanwhile
   * learns it (the command then runs under a small shell wrapper, see exit-status.ts).
   */
  readonly exit_status_file?: string;
  /** What the container is given beyond its command; a launcher that isolates nothing uses only the user. */
  readonly container?: ContainerSpec;
}

/** The user, resources and name of a container, from its task or executor. */
export interface ContainerSpec {
  /** Run as this user of the agent's machine (--switch_user); unknown users fail the launch. */
  readonly user?: string;
  readonly cpus?: number;
  readonly mem_mb?: number;
  /** The hostname seen inside a container with its own UTS namespace. */
  readonly hostname?: string;
}

/** A limit the container hit, for which it was destroyed (Mesos's TaskStatus reason and message). */
export interface ContainerLimitation {
  readonly reason: 'REASON_CONTAINER_LIMITATION_MEMORY';
  readonly message: string;
}

/** What the agent holds of a container, launched by it or recovered after a restart. */
export interface ContainerHandle {
  /** Pid of the container's first process, which is also its process group id. */
  readonly pid: number;
  /** What finds the container again after an agent restart. */
  readonly record: ContainerRecord;
  /** Whether the container still runs. */
  running(): boolean;
  /** SIGTERM to the group, SIGKILL to it after `grace_ms` if any of it still runs. */
  kill(grace_ms?: number): Promise<unknown>;
  /** Current resource usage of the group's processes. */
  usage(): Promise<ResourceUsage>;
  /** The limit that ended the container, once one did (launchers that enforce limits). */
  limitation?(): ContainerLimitation | undefined;
  /** Resolves when the container hits a limit; it is then being destroyed. */
  readonly limited?: Promise<ContainerLimitation>;
  /**
   * The agent exits leaving the container running: nothing of it may keep the agent's process
   * alive any more (its end is then seen by the next start, through its record).
   */
  release(): void;
}

/** A container the launcher started: its process group and the means to end it. */
export interface LaunchedContainer extends ContainerHandle {
  /** Resolves when the first process ends (other processes of the group may outlive it). */
  readonly exited: Promise<ExitResult>;
  /** How the first process ended, once it has. */
  exit(): ExitResult | undefined;
  /** SIGTERM to the group, SIGKILL to it after `grace_ms` if any of it still runs; resolves on exit. */
  kill(grace_ms?: number): Promise<ExitResult>;
}

/** A container found again after an agent restart: its processes are not the agent's children. */
export interface RecoveredContainer extends ContainerHandle {
  /** Resolves once no process of the group is left. */
  readonly ended: Promise<void>;
  /** SIGTERM to the group, SIGKILL to it after `grace_ms` if any of it still runs; resolves once it is gone. */
  kill(grace_ms?: number): Promise<void>;
}

/** Starts containers; the posix launcher here, cgroups and namespaces in another. */
export interface Launcher {
  /** The isolation this launcher provides, as the --isolation flag names it ('posix/cpu,posix/mem'). */
  readonly isolation: string;
  launch(request: LaunchRequest): Promise<LaunchedContainer>;
  /** Finds a container again from its record; undefined when nothing of it is left. */
  recover(record: ContainerRecord): Promise<RecoveredContainer | undefined>;
  /**
   * After a restart's recovery: destroys the containers the launcher finds that no record names
   * (orphans nothing manages any more); answers what it destroyed.
   */
  destroyOrphans?(known: readonly ContainerRecord[]): Promise<string[]>;
  /** The pid of the process that forks containers, while one runs (the linux launcher's forker). */
  forkerPid?(): number | undefined;
}
