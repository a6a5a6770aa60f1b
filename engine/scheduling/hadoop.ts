// Hadoop on meso, as the Mesos paper ran it: a JobTracker-like framework that queues MapReduce jobs
// (fair sharing among them, as Hadoop's fair scheduler) and places each map near its input block
// with delay scheduling. A map that runs away from its block reads it over the network and runs
// longer (remote-read.ts). Reduces (no input preference) start once every map has finished. Block
// locations come from a BlockLocator (workloads/placement.ts places replicas as HDFS does); hosts and
// racks of offers come from the offers themselves (hostname, `rack` attribute).
import { checkDelayParams, type DelayParams, DelayScheduler } from './delay-scheduling.ts';
import { createJobFramework, type JobFramework, type JobFrameworkDeps } from './job-framework.ts';
import type { JobFrameworkConfig, JobModel } from './job-model.ts';
import type { JobRun } from './job-run.ts';
import { checkRemoteReadParams, type RemoteReadParams, remoteReadDuration_ms } from './remote-read.ts';

/** Where the replicas of each block of a dataset are. */
export interface BlockLocator {
  /** Hostnames holding block `blockIndex` of `dataset`. */
  locate(dataset: string, blockIndex: number): readonly string[];
  /** The rack of a host, if the locator knows it. */
  rackOf?(hostname: string): string | undefined;
}

/** Parameters of a Hadoop framework. */
export interface HadoopParams extends JobFrameworkConfig, DelayParams, RemoteReadParams {}

/** What a Hadoop framework takes besides its parameters. */
export interface HadoopDeps extends JobFrameworkDeps {
  /** Block locations; without it, maps have no locality preference. */
  readonly blocks?: BlockLocator;
}

/** The preferred hosts of a task: the replicas of its input block, when it has one. */
export function blockHosts(blocks: BlockLocator | undefined, run: JobRun, index: number): readonly string[] {
  const spec = run.tasks()[index];
  const input = run.job.input;
  if (blocks === undefined || input === undefined || spec?.preferred === undefined) return [];
  return blocks.locate(input.dataset, spec.preferred);
}

/** The Hadoop model: delay scheduling over block replicas, and slower maps away from them. */
function hadoopModel(params: DelayParams & RemoteReadParams, blocks: BlockLocator | undefined): JobModel {
  checkDelayParams(params, 'hadoop');
  checkRemoteReadParams(params, 'hadoop');
  const scheduler = new DelayScheduler(
    {
      hostsOf: (run, index) => blockHosts(blocks, run, index),
      ...(blocks?.rackOf === undefined ? {} : { rackOf: (host: string) => blocks.rackOf?.(host) }),
    },
    params,
  );
  return {
    choose: (run, space, now) => scheduler.choose(run, space, now),
    taskRequeued: (run, index) => scheduler.taskRequeued(run, index),
    // Only a task with an input block has a locality; the others (reduces) run as long anywhere.
    runTime_ms: (run, index, locality) =>
      remoteReadDuration_ms(run.tasks()[index]!.duration_ms, locality, params),
  };
}

/** Creates a Hadoop framework. */
export function createHadoopFramework(params: HadoopParams, deps: HadoopDeps = {}): JobFramework {
  return createJobFramework(params, hadoopModel(params, deps.blocks), deps);
}
