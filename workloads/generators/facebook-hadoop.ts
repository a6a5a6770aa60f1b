// The Mesos paper's Facebook Hadoop mix (NSDI 2011, section 6.1): 100 Hive benchmark jobs whose sizes
// follow Facebook's 2009 job size distribution in eight bins, arriving about 14 s apart.
import type { Rng } from '../../engine/rng.ts';
import { shuffle } from '../../engine/rng.ts';
import type { Job, Phase, TaskSpec } from '../job.ts';
import { type FacebookBin, type FacebookHadoopParams, requirePositive } from '../params.ts';
import { exponential, jittered, jobId, requireJitter } from './distributions.ts';

export const facebookHadoopName = 'facebook-hadoop';

/** Checks the mix's parameters, throwing an Error naming the first bad one. */
function check(params: FacebookHadoopParams): void {
  const what = facebookHadoopName;
  requirePositive(
    params,
    ['mean_interarrival_ms', 'map_cpus', 'map_mem_mb', 'reduce_cpus', 'reduce_mem_mb'],
    what,
  );
  requireJitter(params.duration_jitter, what);
  if (params.bins.length === 0) throw new Error(`${what}: no bins`);
  params.bins.forEach((bin, i) => {
    const ok =
      Number.isInteger(bin.maps) && bin.maps >= 1 && Number.isInteger(bin.reduces) && bin.reduces >= 0;
    if (!ok || !Number.isInteger(bin.jobs) || bin.jobs < 0) {
      throw new Error(`${what}: bin ${i + 1} needs integer maps >= 1, reduces >= 0 and jobs >= 0`);
    }
    if (!(params.map_duration_ms[bin.job_type] > 0))
      throw new Error(`${what}: no map duration for ${bin.job_type}`);
    if (bin.reduces > 0 && !(params.reduce_duration_ms[bin.job_type] > 0)) {
      throw new Error(`${what}: no reduce duration for ${bin.job_type}`);
    }
  });
}

/** `count` tasks of the given size, each run time jittered around `mean_ms`. */
function tasks(
  count: number,
  cpus: number,
  mem_mb: number,
  mean_ms: number,
  jitter: number,
  rng: Rng,
): TaskSpec[] {
  const out: TaskSpec[] = [];
  for (let i = 0; i < count; i++) out.push({ cpus, mem_mb, duration_ms: jittered(rng, mean_ms, jitter) });
  return out;
}

/** One job of a bin, its maps preferring their own input blocks. */
function binJob(
  id: string,
  bin_index: number,
  bin: FacebookBin,
  submit_ms: number,
  p: FacebookHadoopParams,
  rng: Rng,
): Job {
  const maps = tasks(
    bin.maps,
    p.map_cpus,
    p.map_mem_mb,
    p.map_duration_ms[bin.job_type],
    p.duration_jitter,
    rng,
  );
  maps.forEach((task, i) => {
    task.preferred = i;
  });
  const phases: Phase[] = [{ kind: 'map', tasks: maps }];
  if (bin.reduces > 0) {
    const mean_ms = p.reduce_duration_ms[bin.job_type];
    phases.push({
      kind: 'reduce',
      tasks: tasks(bin.reduces, p.reduce_cpus, p.reduce_mem_mb, mean_ms, p.duration_jitter, rng),
    });
  }
  return {
    id,
    framework: 'hadoop',
    label: `bin${bin_index + 1}-${bin.job_type}`,
    submit_ms,
    phases,
    gang: false,
    input: { dataset: id, blocks: bin.maps },
  };
}

/** Generates the mix: the bins' jobs in a seeded random order, with exponential gaps between arrivals. */
export function generateFacebookHadoop(params: FacebookHadoopParams, rng: Rng): Job[] {
  check(params);
  const sizes: number[] = [];
  params.bins.forEach((bin, b) => {
    for (let j = 0; j < bin.jobs; j++) sizes.push(b);
  });
  // The paper submits jobs of all sizes interleaved; a seeded shuffle of the bins' jobs does the same.
  shuffle(sizes, rng.fork('order'));
  const arrivals = rng.fork('arrivals');
  const durations = rng.fork('durations');
  let t = 0;
  return sizes.map((b, i) => {
    t += exponential(arrivals, params.mean_interarrival_ms);
    const id = jobId(facebookHadoopName, i, sizes.length);
    return binJob(id, b, params.bins[b]!, Math.round(t), params, durations);
  });
}
