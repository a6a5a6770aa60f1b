// Pure parts of agent recovery: reading the exit status a command's wrapper records, the wrapped
// form of a command, and where checkpoints live under the work_dir.
import { describe, expect, it } from 'vitest';
import {
  agentMetaDirectory,
  frameworkMetaDirectory,
  runMetaDirectory,
  taskMetaDirectory,
} from '../../runtime/agent/checkpoint.ts';
import type { AgentExecutor } from '../../runtime/agent/executors.ts';
import { exitResultOfStatus, parseExitStatus, wrapCommand } from '../../runtime/agent/exit-status.ts';
import { isContainerRecord } from '../../runtime/agent/process-groups.ts';

describe('recorded exit statuses', () => {
  it('reads a status as an exit code, and a shell-reported 128 + N as signal N', () => {
    expect(parseExitStatus('0\n')).toEqual({ code: 0 });
    expect(parseExitStatus('3\n')).toEqual({ code: 3 });
    expect(parseExitStatus('128\n')).toEqual({ code: 128 });
    expect(parseExitStatus('143\n')).toEqual({ signal: 'SIGTERM' });
    expect(parseExitStatus('137')).toEqual({ signal: 'SIGKILL' });
    expect(exitResultOfStatus(130)).toEqual({ signal: 'SIGINT' });
    expect(exitResultOfStatus(255)).toEqual({ code: 255 });
  });

  it('reads nothing from a file the wrapper did not finish', () => {
    expect(parseExitStatus('')).toBeUndefined();
    expect(parseExitStatus('1')).toEqual({ code: 1 });
    expect(parseExitStatus('x\n')).toBeUndefined();
    expect(parseExitStatus('256\n')).toBeUndefined();
    expect(parseExitStatus('-1\n')).toBeUndefined();
    expect(() => exitResultOfStatus(300)).toThrow(/\[0, 255\]/);
  });
});

describe('the wrapped form of a command', () => {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };

  it('runs a shell command as `sh -c value` with $0 = sh, after the wrapper and its status file', () => {
    const wrapped = wrapCommand({ value: 'exit 3', shell: true, arguments: [] }, '/s/exit_status', env, '/');
    expect(wrapped?.file).toBe('/bin/sh');
    expect(wrapped?.args.slice(2)).toEqual([
      'meso-exit-status',
      '/s/exit_status',
      '/bin/sh',
      '-c',
      'exit 3',
      'sh',
    ]);
  });

  it('runs an exec-form program by its path, so that a name never means a shell builtin', () => {
    const wrapped = wrapCommand(
      { value: 'echo', shell: false, arguments: ['echo', 'a\\nb'] },
      '/f',
      env,
      '/',
    );
    const program = wrapped?.args[4];
    expect(program).toMatch(/\/echo$/);
    expect(wrapped?.args.slice(5)).toEqual(['a\\nb']);
  });

  it('leaves unwrapped a program with another argv[0], and refuses one not on PATH', () => {
    expect(
      wrapCommand({ value: '/bin/sh', shell: false, arguments: ['custom', '-c', 'true'] }, '/f', env, '/'),
    ).toBeUndefined();
    expect(() =>
      wrapCommand({ value: 'no-such-program-here', shell: false, arguments: [] }, '/f', env, '/'),
    ).toThrow(/not an executable file on PATH/);
  });
});

describe('checkpoint layout', () => {
  it('places checkpoints as Mesos does, each id one path component', () => {
    expect(agentMetaDirectory('/w', 'S1')).toBe('/w/meta/slaves/S1');
    expect(frameworkMetaDirectory('/w', 'S1', 'F1')).toBe('/w/meta/slaves/S1/frameworks/F1');
    const executor = { framework_id: 'F1', executor_id: 'a/b', container_id: 'C1' } as AgentExecutor;
    const run = runMetaDirectory('/w', 'S1', executor);
    expect(run).toBe('/w/meta/slaves/S1/frameworks/F1/executors/a%2Fb/runs/C1');
    expect(taskMetaDirectory(run, '..')).toBe(`${run}/tasks/%2E%2E`);
  });

  it('checks a container record read back from disk', () => {
    expect(isContainerRecord({ pid: 42, start_ticks: 100, boot_id: 'b' })).toBe(true);
    expect(isContainerRecord({ pid: 1, start_ticks: 100, boot_id: 'b' })).toBe(false);
    expect(isContainerRecord({ pid: 42, boot_id: 'b' })).toBe(false);
    expect(isContainerRecord(null)).toBe(false);
  });
});
