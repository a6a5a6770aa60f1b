// The remote-read model (engine/scheduling/remote-read.ts, used by the Hadoop model): a map runs its
// own duration on a host holding a replica of its block, `rack_local_factor` times it on another host
// of a replica's rack, `remote_factor` times it off-rack; tasks without an input block are unchanged.
import { describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../engine/master/v1.ts';
import type { BlockLocator } from '../../engine/scheduling/hadoop.ts';
import type { JobEvent } from '../../engine/scheduling/job-events.ts';
import type { JobFramework } from '../../engine/scheduling/job-framework.ts';
import { createFrameworkLogic, frameworkDefaults } from '../../engine/scheduling/registry.ts';
import { remoteReadDuration_ms } from '../../engine/scheduling/remote-read.ts';
import { task_duration_label } from '../../engine/scheduling/task-launcher.ts';
import { hadoopJob, launched, offer, status } from './scheduling-harness.ts';

// h1 and h2 on rack r1, h3 on r2; every block's only replica is on h1.
const racks: Record<string, string> = { h1: 'r1', h2: 'r1', h3: 'r2' };
const blocks: BlockLocator = { locate: () => ['h1'], rackOf: (host) => racks[host] };

/** A subscribed Hadoop framework without locality waits, with `params` over the defaults. */
function hadoop(params: Record<string, unknown> = {}, events?: JobEvent[]): JobFramework {
  const f = createFrameworkLogic(
    'hadoop',
    { delay_ms: 0, ...params },
    { blocks, ...(events === undefined ? {} : { on_event: (e: JobEvent) => events.push(e) }) },
  );
  f.subscribed('F', 0);
  return f;
}

const on = (id: string, host: string) => offer(id, host, 'cpus:1;mem:1024', racks[host]);

/** The run time a launched task carries, and the command that stands for it. */
function runTime(task: TaskInfo): { label: string | undefined; command: string | undefined } {
  const label = task.labels?.labels.find((l) => l.key === task_duration_label)?.value;
  return { label, command: task.command?.value };
}

describe('remote reads', () => {
  it('has modest defaults: rack-local 1.2, off-rack 1.5', () => {
    expect(frameworkDefaults('hadoop')).toMatchObject({ rack_local_factor: 1.2, remote_factor: 1.5 });
  });

  it('runs a map longer off its block’s host, by where it ran', () => {
    const events: JobEvent[] = [];
    const f = hadoop({}, events);
    f.submit(hadoopJob('j', 3), 0);
    const calls = f.offers([on('O1', 'h1'), on('O2', 'h2'), on('O3', 'h3')], 0);
    const byHost = Object.fromEntries(launched(calls).map((t) => [t.agent_id.value, runTime(t)]));
    expect(byHost).toEqual({
      'agent-h1': { label: '1000', command: 'sleep 1' },
      'agent-h2': { label: '1200', command: 'sleep 1.2' },
      'agent-h3': { label: '1500', command: 'sleep 1.5' },
    });
    const localities = events.flatMap((e) => (e.type === 'task_launched' ? [[e.hostname, e.locality]] : []));
    expect(localities).toEqual([
      ['h1', 'node-local'],
      ['h2', 'rack-local'],
      ['h3', 'remote'],
    ]);
  });

  it('takes the factors as parameters; 1 turns the model off', () => {
    const durations = (params: Record<string, unknown>) => {
      const f = hadoop(params);
      f.submit(hadoopJob('j', 3), 0);
      const calls = f.offers([on('O1', 'h1'), on('O2', 'h2'), on('O3', 'h3')], 0);
      return launched(calls).map((t) => runTime(t).label);
    };
    expect(durations({ rack_local_factor: 1, remote_factor: 1 })).toEqual(['1000', '1000', '1000']);
    expect(durations({ rack_local_factor: 1.5, remote_factor: 2 })).toEqual(['1000', '1500', '2000']);
  });

  it('leaves reduces, which read no block, as long as they are', () => {
    const f = hadoop();
    f.submit(hadoopJob('j', 1, 1), 0);
    f.offers([on('O1', 'h1')], 0);
    f.update(status('j-0-0', 'TASK_FINISHED'), 1000);
    const reduce = launched(f.offers([on('O2', 'h3')], 1000));
    expect(reduce.map((t) => [t.task_id.value, runTime(t).label])).toEqual([['j-1-0', '2000']]);
  });

  it('gives a relaunched map the factor of where the new attempt runs', () => {
    const f = hadoop();
    f.submit(hadoopJob('j', 1), 0);
    expect(launched(f.offers([on('O1', 'h3')], 0)).map((t) => runTime(t).label)).toEqual(['1500']);
    f.update(status('j-0-0', 'TASK_LOST'), 10);
    const again = launched(f.offers([on('O2', 'h1')], 10));
    expect(again.map((t) => [t.task_id.value, runTime(t).label])).toEqual([['j-0-0.1', '1000']]);
  });

  it('rounds to whole milliseconds', () => {
    const params = { rack_local_factor: 1.2, remote_factor: 1.5 };
    expect(remoteReadDuration_ms(16_001, 'remote', params)).toBe(24_002);
    expect(remoteReadDuration_ms(16_001, 'rack-local', params)).toBe(19_201);
    expect(remoteReadDuration_ms(16_001, 'node-local', params)).toBe(16_001);
    expect(remoteReadDuration_ms(16_001, undefined, params)).toBe(16_001);
  });

  it('refuses a factor below 1, naming it', () => {
    expect(() => hadoop({ remote_factor: 0.5 })).toThrow(
      /remote_factor must be a number from 1 to 100, got 0.5/,
    );
    expect(() => hadoop({ rack_local_factor: Number.NaN })).toThrow(/rack_local_factor/);
    expect(() => hadoop({ remote_factor: '2' })).toThrow(/parameter 'remote_factor' must be a number/);
  });
});
