// Long-running services on meso, as Marathon or Aurora keep them: each service job is one phase of
// instances, all wanted running at once and for good. An instance that is lost or fails is launched
// again, so the service keeps its count (the job framework's relaunch does that); `per_host_max`
// spreads a service's instances over hosts, as a Marathon `hostname:MAX_PER` constraint does, so one
// agent's loss takes few of them. A service ends only if all its instances finish by themselves.
import { createJobFramework, type JobFramework, type JobFrameworkDeps } from './job-framework.ts';
import type { JobFrameworkConfig, JobModel, TaskChoice } from './job-model.ts';
import type { JobRun } from './job-run.ts';
import type { OfferSpace } from './offer-space.ts';

/** What the service model adds to a job framework's parameters. */
export interface SpreadParams {
  /** Most instances of one service on one host; 0 for no limit. */
  readonly per_host_max: number;
}

/** Parameters of a service framework. */
export interface ServiceParams extends JobFrameworkConfig, SpreadParams {}

/** The service model: any pending instance that fits, at most `per_host_max` of a service per host. */
function serviceModel(params: SpreadParams): JobModel {
  if (!Number.isInteger(params.per_host_max) || params.per_host_max < 0) {
    throw new Error('service: per_host_max must be a whole number (0 for no limit)');
  }
  const limit = params.per_host_max === 0 ? Number.POSITIVE_INFINITY : params.per_host_max;
  // Instances of each service running on each host.
  const placed = new WeakMap<JobRun, Map<string, number>>();
  const countOn = (run: JobRun, host: string): number => placed.get(run)?.get(host) ?? 0;
  const change = (run: JobRun, host: string, by: number) => {
    let hosts = placed.get(run);
    if (hosts === undefined) {
      hosts = new Map();
      placed.set(run, hosts);
    }
    const n = (hosts.get(host) ?? 0) + by;
    if (n < 0) throw new Error(`service ${run.job.id}: fewer than no instances on ${host}`);
    if (n === 0) hosts.delete(host);
    else hosts.set(host, n);
  };
  return {
    choose(run: JobRun, space: OfferSpace): TaskChoice {
      if (countOn(run, space.hostname) >= limit) return 'none';
      const i = run.nextPending();
      if (i === undefined) return 'none';
      return space.fits(run.tasks()[i]!) ? { index: i } : 'none';
    },
    taskLaunched(run, _index, space) {
      change(run, space.hostname, 1);
    },
    taskEnded(run, _index, hostname) {
      change(run, hostname, -1);
    },
  };
}

/** Creates a service framework. */
export function createServiceFramework(params: ServiceParams, deps: JobFrameworkDeps = {}): JobFramework {
  return createJobFramework(params, serviceModel(params), deps);
}
