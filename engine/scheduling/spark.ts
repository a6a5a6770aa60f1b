// Spark on meso, as the Mesos paper ran it: iterative jobs whose every iteration is a phase of short
// tasks, task i of each iteration working on partition i. A task caches its partition in the memory
// of the host it ran on, so the next iteration's task for that partition prefers that host, with a
// short delay-scheduling wait (Spark's `spark.locality.wait`, 3 s by default). The first iteration
// reads from the distributed file system and prefers the replicas of its input block, if blocks are
// known.
import { checkDelayParams, type DelayParams, DelayScheduler } from './delay-scheduling.ts';
import { type BlockLocator, blockHosts } from './hadoop.ts';
import { createJobFramework, type JobFramework, type JobFrameworkDeps } from './job-framework.ts';
import type { JobFrameworkConfig, JobModel } from './job-model.ts';
import type { JobRun } from './job-run.ts';

/** Parameters of a Spark framework. */
export interface SparkParams extends JobFrameworkConfig, DelayParams {}

/** What a Spark framework takes besides its parameters. */
export interface SparkDeps extends JobFrameworkDeps {
  /** Block locations of the input, for the first iteration. */
  readonly blocks?: BlockLocator;
}

/** Hosts of each partition of a job: where the previous iteration ran it, and where this one does. */
interface PartitionHosts {
  phase: number;
  previous: Map<number, string>;
  current: Map<number, string>;
}

/** The partition task `index` works on: its `preferred` index, or its own index. */
function partitionOf(run: JobRun, index: number): number {
  return run.tasks()[index]?.preferred ?? index;
}

/** The Spark model: delay scheduling over the hosts that cached each partition. */
function sparkModel(params: DelayParams, blocks: BlockLocator | undefined): JobModel {
  checkDelayParams(params, 'spark');
  const partitions = new WeakMap<JobRun, PartitionHosts>();
  // The phase a job is in moves on only between iterations, so the hosts of this iteration become
  // the cache of the next one the first time the next one asks.
  const hostsOf = (run: JobRun): PartitionHosts => {
    let hosts = partitions.get(run);
    if (hosts === undefined) {
      hosts = { phase: run.phase, previous: new Map(), current: new Map() };
      partitions.set(run, hosts);
    } else if (hosts.phase !== run.phase) {
      hosts.phase = run.phase;
      hosts.previous = hosts.current;
      hosts.current = new Map();
    }
    return hosts;
  };
  const scheduler = new DelayScheduler(
    {
      hostsOf(run, index) {
        if (run.phase === 0) return blockHosts(blocks, run, index);
        const host = hostsOf(run).previous.get(partitionOf(run, index));
        return host === undefined ? [] : [host];
      },
      ...(blocks?.rackOf === undefined ? {} : { rackOf: (host: string) => blocks.rackOf?.(host) }),
    },
    params,
  );
  return {
    choose: (run, space, now) => scheduler.choose(run, space, now),
    taskRequeued: (run, index) => scheduler.taskRequeued(run, index),
    taskLaunched(run, index, space) {
      hostsOf(run).current.set(partitionOf(run, index), space.hostname);
    },
  };
}

/** Creates a Spark framework. */
export function createSparkFramework(params: SparkParams, deps: SparkDeps = {}): JobFramework {
  return createJobFramework(params, sparkModel(params, deps.blocks), deps);
}
