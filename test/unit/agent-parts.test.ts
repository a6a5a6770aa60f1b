// Pure parts of the live agent: resource detection rules and flags, attributes, master addresses,
// registration backoff, executor call validation, the executor environment and wait statuses.
import { describe, expect, it } from 'vitest';
import { agentOptionsOf } from '../../cli/agent.ts';
import { parseExecutorCall, updateStatusError } from '../../runtime/agent/executor-api.ts';
import { durationText, executorEnvironment, gracePeriodMs } from '../../runtime/agent/executors.ts';
import { waitStatus } from '../../runtime/agent/lifecycle.ts';
import {
  agentResources,
  offerableDiskMb,
  offerableMemoryMb,
  parseAttributes,
} from '../../runtime/agent/resources.ts';
import { backoffDelayMs } from '../../runtime/wire/backoff.ts';
import { parseMasterAddress } from '../../runtime/wire/master-address.ts';

const gib = 1024 ** 3;

describe('agent resources', () => {
  it('offers memory and disk as Mesos does', () => {
    expect(offerableMemoryMb(24 * gib)).toBe(23 * 1024);
    expect(offerableMemoryMb(1 * gib)).toBe(512);
    expect(offerableDiskMb(100 * gib)).toBe(95 * 1024);
    expect(offerableDiskMb(8 * gib)).toBe(8 * 1024);
  });

  it('keeps what the flag names and detects or defaults the rest', async () => {
    const flagged = await agentResources('cpus:3;mem:100;disk:10;ports:[5000-5010];gpus:1', '/');
    const byName = Object.fromEntries(flagged.map((r) => [r.name, r]));
    expect(byName.cpus?.scalar?.value).toBe(3);
    expect(byName.gpus?.scalar?.value).toBe(1);
    expect(byName.ports?.ranges?.range).toEqual([{ begin: 5000, end: 5010 }]);
    const detected = await agentResources(undefined, '/');
    const names = detected.map((r) => r.name).sort();
    expect(names).toEqual(['cpus', 'disk', 'mem', 'ports']);
    expect(detected.find((r) => r.name === 'cpus')!.scalar!.value).toBeGreaterThanOrEqual(1);
    await expect(agentResources('cpus:lots', '/')).rejects.toThrow(/--resources/);
  });

  it('parses attributes by the form of their values', () => {
    expect(parseAttributes('rack:r1; zone:a;level:3;slots:[1-4];tags:{x,y}')).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'zone', type: 'TEXT', text: { value: 'a' } },
      { name: 'level', type: 'SCALAR', scalar: { value: 3 } },
      { name: 'slots', type: 'RANGES', ranges: { range: [{ begin: 1, end: 4 }] } },
      { name: 'tags', type: 'SET', set: { item: ['x', 'y'] } },
    ]);
    expect(parseAttributes(undefined)).toEqual([]);
    expect(() => parseAttributes('rack')).toThrow(/NAME:VALUE/);
  });
});

describe('registration', () => {
  it('reads master addresses in the forms operators and redirects use', () => {
    expect(parseMasterAddress('127.0.0.1:5050')).toBe('127.0.0.1:5050');
    expect(parseMasterAddress('http://m1:5050/')).toBe('m1:5050');
    expect(parseMasterAddress('//10.0.0.2:5050/api/v1/agent')).toBe('10.0.0.2:5050');
    expect(() => parseMasterAddress('m1')).toThrow(/host:port/);
    expect(() => parseMasterAddress('m1:70000')).toThrow();
  });

  it('backs off exponentially with jitter below a cap', () => {
    expect(backoffDelayMs(0, 100, 1000, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, 100, 1000, () => 0.5)).toBe(400);
    expect(backoffDelayMs(10, 100, 1000, () => 0.999)).toBe(999);
    expect(backoffDelayMs(5, 100, 1000, () => 0)).toBe(0);
  });
});

describe('executor calls', () => {
  const ids = { framework_id: { value: 'F' }, executor_id: { value: 'E' } };
  const uuid = Buffer.alloc(16, 1).toString('base64');
  const status = { task_id: { value: 't' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid };

  it('accepts a SUBSCRIBE with or without its body, with null fields', () => {
    expect(parseExecutorCall({ ...ids, type: 'SUBSCRIBE' })).toMatchObject({
      type: 'SUBSCRIBE',
      executor_id: 'E',
    });
    const withNulls = parseExecutorCall({
      ...ids,
      type: 'SUBSCRIBE',
      subscribe: { unacknowledged_tasks: null, unacknowledged_updates: [{ status }] },
    });
    expect(withNulls).toMatchObject({ unacknowledged_tasks: [], unacknowledged_updates: [status] });
  });

  it('refuses calls Mesos refuses, naming what is wrong', () => {
    expect(parseExecutorCall({ ...ids })).toEqual({ error: "Expecting 'type' to be present" });
    expect(parseExecutorCall({ ...ids, type: 'LAUNCH' })).toHaveProperty('error');
    expect(parseExecutorCall({ type: 'UPDATE', executor_id: { value: 'E' } })).toEqual({
      error: "Expecting 'framework_id' to be present",
    });
    expect(parseExecutorCall({ ...ids, type: 'UPDATE' })).toEqual({
      error: "Expecting 'update' to be present",
    });
    expect(parseExecutorCall({ ...ids, type: 'MESSAGE', message: {} })).toEqual({
      error: "Expecting 'message.data' to be present",
    });
    expect(updateStatusError({ ...status, uuid: undefined }, 'E')).toBe("Expecting 'uuid' to be present");
    expect(updateStatusError({ ...status, uuid: Buffer.alloc(15).toString('base64') }, 'E')).toMatch(
      /16 bytes/,
    );
    expect(updateStatusError({ ...status, executor_id: { value: 'X' } }, 'E')).toMatch(/does not match/);
    expect(updateStatusError({ ...status, state: 'TASK_STAGING' }, 'E')).toBe(
      'Received TASK_STAGING from executor',
    );
    expect(updateStatusError(status, 'E')).toBeUndefined();
  });
});

describe('executor environment and exits', () => {
  it('sets the Mesos variables, with the command’s own variables on top', () => {
    const env = executorEnvironment(
      {
        framework_id: 'F',
        executor_id: 'E',
        directory: '/w/s',
        agent_endpoint: '127.0.0.1:5051',
        agent_id: 'S1',
        checkpoint: true,
        shutdown_grace_ms: 5000,
        base: { PATH: '/bin' },
      },
      {
        value: 'x',
        environment: {
          variables: [
            { name: 'FOO', value: 'bar' },
            { name: 'PATH', value: '/opt' },
          ],
        },
      },
    );
    expect(env).toEqual({
      PATH: '/opt',
      FOO: 'bar',
      MESOS_FRAMEWORK_ID: 'F',
      MESOS_EXECUTOR_ID: 'E',
      MESOS_DIRECTORY: '/w/s',
      MESOS_SANDBOX: '/w/s',
      MESOS_AGENT_ENDPOINT: '127.0.0.1:5051',
      MESOS_SLAVE_ID: 'S1',
      MESOS_CHECKPOINT: '1',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
    });
    expect(durationText(1500)).toBe('1500ms');
  });

  it('reads kill policies and wait statuses', () => {
    expect(gracePeriodMs({ grace_period: { nanoseconds: 2.5e9 } })).toBe(2500);
    expect(gracePeriodMs(undefined)).toBeUndefined();
    expect(gracePeriodMs({ grace_period: { nanoseconds: -1 } })).toBeUndefined();
    expect(waitStatus({ code: 3 })).toBe(768);
    expect(waitStatus({ signal: 'SIGKILL' })).toBe(9);
    expect(waitStatus(undefined)).toBeUndefined();
  });
});

describe('meso agent flags', () => {
  it('maps flags to agent options and names a bad or missing one', () => {
    expect(
      agentOptionsOf({ master: 'http://m1:5050', work_dir: '/w', port: '0', attributes: 'rack:r1' }),
    ).toEqual({
      master: 'm1:5050',
      work_dir: '/w',
      port: 0,
      attributes: 'rack:r1',
    });
    expect(() => agentOptionsOf({ work_dir: '/w' })).toThrow(/--master is required/);
    expect(() => agentOptionsOf({ master: 'm1:5050' })).toThrow(/--work_dir is required/);
    expect(() => agentOptionsOf({ master: 'm1:5050', work_dir: '/w', port: '-1' })).toThrow(/--port/);
    expect(() => agentOptionsOf({ master: 'm1:5050', work_dir: '/w', log_level: 'loud' })).toThrow(
      /--log_level/,
    );
  });
});
