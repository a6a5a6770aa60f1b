// The job-queue framework (engine/scheduling/job-framework.ts): task ids, phases, `after`, fair
// sharing and FIFO, relaunching, acknowledgements, suppress/revive, declines and job events.
import { describe, expect, it } from 'vitest';
import { toQuantities } from '../../engine/resources.ts';
import type { JobEvent } from '../../engine/scheduling/job-events.ts';
import { createJobFramework, type JobFramework } from '../../engine/scheduling/job-framework.ts';
import type { JobFrameworkConfig } from '../../engine/scheduling/job-model.ts';
import { task_duration_label } from '../../engine/scheduling/task-launcher.ts';
import { declined, hadoopJob, launched, launchedIds, offer, status } from './scheduling-harness.ts';

const config: JobFrameworkConfig = {
  name: 'jobs',
  role: '*',
  user: 'root',
  policy: 'fifo',
  refuse_seconds: 7,
  wait_refuse_seconds: 1,
  attempts_max: 3,
  failover_timeout_seconds: 0,
};

/** A subscribed framework with the default model (first pending task that fits). */
function framework(overrides: Partial<JobFrameworkConfig> = {}): JobFramework {
  const f = createJobFramework({ ...config, ...overrides }, {});
  f.subscribed('F', 0);
  return f;
}

/** Offers `slots` one-CPU slots on one host. */
function slots(id: string, n: number, host = 'h1') {
  return offer(id, host, `cpus:${n};mem:${n * 1024}`);
}

describe('job framework', () => {
  it('launches tasks with deterministic ids, their sizes and a duration label', () => {
    const f = framework();
    f.submit(hadoopJob('swim/job7', 3), 0);
    const calls = f.offers([slots('O1', 2)], 10);
    expect(launchedIds(calls)).toEqual(['swim%2Fjob7-0-0', 'swim%2Fjob7-0-1']);
    for (const task of launched(calls)) {
      expect(toQuantities(task.resources)).toEqual({ cpus: 1, mem: 1024 });
      expect(task.labels?.labels).toContainEqual({ key: task_duration_label, value: '1000' });
    }
    expect(calls[0]).toMatchObject({ type: 'ACCEPT', accept: { filters: { refuse_seconds: 7 } } });
  });

  it('starts reduces only once every map has finished', () => {
    const f = framework();
    f.submit(hadoopJob('j', 2, 1), 0);
    expect(launchedIds(f.offers([slots('O1', 4)], 0))).toEqual(['j-0-0', 'j-0-1']);
    f.update(status('j-0-0', 'TASK_FINISHED'), 5);
    expect(launchedIds(f.offers([slots('O2', 4)], 5))).toEqual([]);
    f.update(status('j-0-1', 'TASK_FINISHED'), 6);
    expect(launchedIds(f.offers([slots('O3', 4)], 6))).toEqual(['j-1-0']);
    f.update(status('j-1-0', 'TASK_FINISHED'), 9);
    expect(f.job('j')?.state).toBe('finished');
  });

  it('shares slots fairly among its jobs, and FIFO gives the first job all', () => {
    const fair = framework({ policy: 'fair' });
    fair.submit(hadoopJob('a', 10), 0);
    fair.submit(hadoopJob('b', 10), 1);
    const ids = launchedIds(fair.offers([slots('O1', 4)], 2));
    expect(ids.filter((id) => id.startsWith('a-'))).toHaveLength(2);
    expect(ids.filter((id) => id.startsWith('b-'))).toHaveLength(2);
    // The job with fewer running tasks goes first: after one of b's tasks ends, b gets the slot.
    fair.update(status('b-0-0', 'TASK_FINISHED'), 3);
    expect(launchedIds(fair.offers([slots('O2', 1)], 3))).toEqual(['b-0-2']);

    const fifo = framework({ policy: 'fifo' });
    fifo.submit(hadoopJob('a', 10), 0);
    fifo.submit(hadoopJob('b', 10), 1);
    expect(launchedIds(fifo.offers([slots('O1', 4)], 2))).toEqual(['a-0-0', 'a-0-1', 'a-0-2', 'a-0-3']);
  });

  it('relaunches a lost task under a new id, first, and reports its wait', () => {
    const f = framework();
    f.submit(hadoopJob('j', 3), 0);
    f.offers([slots('O1', 2)], 0);
    f.jobEvents();
    f.update(status('j-0-1', 'TASK_LOST'), 100);
    const calls = f.offers([slots('O2', 2)], 150);
    expect(launchedIds(calls)).toEqual(['j-0-1.1', 'j-0-2']);
    const launches = f.jobEvents().filter((e) => e.type === 'task_launched');
    expect(launches.map((e) => [e.task_id, e.attempt, e.wait_ms])).toEqual([
      ['j-0-1.1', 1, 50],
      ['j-0-2', 0, 150],
    ]);
  });

  it('fails a job whose task failed attempts_max times, and kills its other tasks', () => {
    const f = framework({ attempts_max: 2 });
    f.submit(hadoopJob('j', 2), 0);
    f.offers([slots('O1', 2)], 0);
    f.update(status('j-0-0', 'TASK_FAILED'), 1);
    expect(launchedIds(f.offers([slots('O2', 1)], 2))).toEqual(['j-0-0.1']);
    const calls = f.update(status('j-0-0.1', 'TASK_FAILED'), 3);
    expect(
      calls.filter((c) => c.type === 'KILL').map((c) => c.type === 'KILL' && c.kill.task_id.value),
    ).toEqual(['j-0-1']);
    expect(f.job('j')?.state).toBe('failed');
    expect(f.jobEvents().some((e) => e.type === 'job_failed' && e.job_id === 'j')).toBe(true);
  });

  it('acknowledges updates that carry a uuid', () => {
    const f = framework();
    f.submit(hadoopJob('j', 1), 0);
    f.offers([slots('O1', 1)], 0);
    const calls = f.update(status('j-0-0', 'TASK_RUNNING', 'dXVpZA=='), 1);
    expect(calls).toContainEqual({
      type: 'ACKNOWLEDGE',
      framework_id: { value: 'F' },
      acknowledge: { agent_id: { value: 'agent-x' }, task_id: { value: 'j-0-0' }, uuid: 'dXVpZA==' },
    });
    expect(f.update(status('unknown-task', 'TASK_FINISHED', 'dXVpZA=='), 1).map((c) => c.type)).toEqual([
      'ACKNOWLEDGE',
    ]);
  });

  it('suppresses when it has nothing to run and revives when work arrives', () => {
    const f = createJobFramework(config, {});
    expect(f.subscribed('F', 0).map((c) => c.type)).toEqual(['SUPPRESS']);
    expect(f.submit(hadoopJob('j', 1), 1).map((c) => c.type)).toEqual(['REVIVE']);
    expect(f.offers([slots('O1', 1)], 2).map((c) => c.type)).toEqual(['ACCEPT', 'SUPPRESS']);
    expect(f.update(status('j-0-0', 'TASK_LOST'), 3).map((c) => c.type)).toEqual(['REVIVE']);
    expect(f.status()).toMatchObject({ tasks_pending: 1, tasks_running: 0, suppressed: false });
  });

  it('declines offers that arrive with nothing pending, and revives only when suppressed', () => {
    const f = framework();
    f.submit(hadoopJob('a', 2), 0);
    // Offers still in flight after the job launched everything: declined as they are, then suppressed.
    expect(launchedIds(f.offers([slots('O1', 2)], 1))).toEqual(['a-0-0', 'a-0-1']);
    const late = f.offers([slots('O2', 4, 'h2'), slots('O3', 4, 'h3')], 2);
    expect(declined(late)).toEqual([
      { id: 'O2', refuse_seconds: 7 },
      { id: 'O3', refuse_seconds: 7 },
    ]);
    expect(late.map((c) => c.type)).toEqual(['DECLINE']);
    // A job arriving while offers are not suppressed needs no REVIVE; the next one after a
    // SUPPRESS does.
    f.submit(hadoopJob('b', 1), 3);
    expect(f.submit(hadoopJob('c', 1), 3)).toEqual([]);
    expect(f.offers([slots('O4', 2)], 4).map((c) => c.type)).toEqual(['ACCEPT', 'SUPPRESS']);
    expect(f.submit(hadoopJob('d', 1), 5).map((c) => c.type)).toEqual(['REVIVE']);
  });

  it('declines offers it cannot use with refuse_seconds', () => {
    const f = framework();
    f.submit(hadoopJob('j', 1), 0);
    const calls = f.offers([offer('O1', 'h1', 'cpus:0.5;mem:4096'), slots('O2', 1)], 0);
    expect(launchedIds(calls)).toEqual(['j-0-0']);
    expect(declined(calls)).toEqual([{ id: 'O1', refuse_seconds: 7 }]);
  });

  it('holds a job back until the job its `after` names has finished', () => {
    const f = framework();
    f.submit(hadoopJob('first', 1), 0);
    f.submit({ ...hadoopJob('second', 1), after: 'first' }, 0);
    expect(f.status()).toMatchObject({ jobs_waiting: 1, jobs_queued: 1 });
    expect(launchedIds(f.offers([slots('O1', 4)], 0))).toEqual(['first-0-0']);
    f.update(status('first-0-0', 'TASK_FINISHED'), 40);
    expect(launchedIds(f.offers([slots('O2', 4)], 41))).toEqual(['second-0-0']);
  });

  it('reports submission, first launch and completion of each job', () => {
    const events: JobEvent[] = [];
    const f = createJobFramework(config, {}, { on_event: (e) => events.push(e) });
    f.subscribed('F', 0);
    f.submit(hadoopJob('j', 2), 100);
    f.offers([slots('O1', 1)], 130);
    f.offers([slots('O2', 1)], 170);
    f.update(status('j-0-0', 'TASK_FINISHED'), 1200);
    f.update(status('j-0-1', 'TASK_FINISHED'), 1300);
    const of = (type: JobEvent['type']) => events.filter((e) => e.type === type);
    expect(of('job_submitted')).toEqual([{ type: 'job_submitted', job_id: 'j', at_ms: 100 }]);
    expect(of('job_started')).toEqual([{ type: 'job_started', job_id: 'j', at_ms: 130 }]);
    expect(of('job_finished')).toEqual([
      { type: 'job_finished', job_id: 'j', at_ms: 1300, submitted_ms: 100, ready_ms: 100, started_ms: 130 },
    ]);
    expect(of('task_launched').map((e) => e.type === 'task_launched' && e.wait_ms)).toEqual([30, 70]);
    expect(f.jobEvents()).toEqual([]);
  });

  it('refuses a job submitted twice', () => {
    const f = framework();
    f.submit(hadoopJob('j', 1), 0);
    expect(() => f.submit(hadoopJob('j', 1), 1)).toThrow(/already submitted/);
  });

  it('asks for explicit reconciliation of its tasks after re-subscribing', () => {
    const f = framework();
    f.submit(hadoopJob('j', 2), 0);
    f.offers([slots('O1', 2)], 0);
    const calls = f.subscribed('F', 10);
    expect(calls[0]).toEqual({
      type: 'RECONCILE',
      framework_id: { value: 'F' },
      reconcile: {
        tasks: [
          { task_id: { value: 'j-0-0' }, agent_id: { value: 'agent-h1' } },
          { task_id: { value: 'j-0-1' }, agent_id: { value: 'agent-h1' } },
        ],
      },
    });
  });
});
