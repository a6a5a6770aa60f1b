// The agent follows its master: a redirect from a master that does not lead, an operator's or a
// detector's new address, and a master that comes back after being down (the agent retries with
// backoff and re-registers under its id).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MasterDetector } from '../../runtime/agent/registration.ts';
import type { MasterAddress } from '../../runtime/wire/master-info.ts';
import { eventually, getJson, Started, sleep, startFakeMaster } from './agent-harness.ts';

const started = new Started();
afterEach(() => started.cleanup());

describe('following the master', () => {
  it('follows a 307 redirect on the agent channel to the leading master', async () => {
    const leader = await started.fakeMaster({ agent_id: 'L-S1' });
    const standby = createServer((_req, res) => res.end());
    standby.on('upgrade', (_req, socket) => {
      socket.end(
        `HTTP/1.1 307 Temporary Redirect\r\nLocation: //${leader.address}/api/v1/agent\r\nContent-Length: 0\r\n\r\n`,
      );
    });
    await new Promise<void>((resolve) => standby.listen(0, '127.0.0.1', resolve));
    started.stoppers.push(() => new Promise<void>((resolve) => standby.close(() => resolve())));
    const port = (standby.address() as AddressInfo).port;
    const agent = await started.agent({ master: `127.0.0.1:${port}`, work_dir: await started.dir() });
    expect(await agent.registered()).toBe('L-S1');
    expect((await leader.messages.next((m) => m.type === 'register')).item.agent_info.hostname).toBe(
      'agent.test',
    );
  });

  it('moves to a new master when told, and when its detector names one, re-registering with its id', async () => {
    const first = await started.fakeMaster({ agent_id: 'S-9' });
    const second = await started.fakeMaster();
    const third = await started.fakeMaster();
    let leader: MasterAddress | undefined = { ip: '127.0.0.1', hostname: 'm1', port: first.port };
    const listeners = new Set<() => void>();
    const detector: MasterDetector = {
      leader: () => leader,
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const agent = await started.agent({ master: detector, work_dir: await started.dir() });
    expect(await agent.registered()).toBe('S-9');
    agent.followMaster(second.address);
    const reregister = (await second.messages.next((m) => m.type === 'reregister')).item;
    expect(reregister.agent_info.id).toEqual({ value: 'S-9' });
    leader = { ip: '127.0.0.1', hostname: 'm3', port: third.port };
    for (const listener of listeners) listener();
    await third.messages.next((m) => m.type === 'reregister');
    expect(await agent.registered()).toBe('S-9');
  });

  it('with a detector, a redirect to the master that just died does not lead it astray', async () => {
    // The detector names this port; what listens there first is a standby that has not yet seen
    // the change and redirects to the dead leader, then the new leader itself.
    const dead = await started.fakeMaster();
    const dead_address = dead.address;
    await dead.stop();
    started.masters.splice(started.masters.indexOf(dead), 1);
    const standby = createServer((_req, res) => res.end());
    let redirected = 0;
    standby.on('upgrade', (_req, socket) => {
      redirected++;
      socket.end(
        `HTTP/1.1 307 Temporary Redirect\r\nLocation: //${dead_address}/api/v1/agent\r\nContent-Length: 0\r\n\r\n`,
      );
    });
    await new Promise<void>((resolve) => standby.listen(0, '127.0.0.1', resolve));
    const port = (standby.address() as AddressInfo).port;
    const detector: MasterDetector = {
      leader: () => ({ ip: '127.0.0.1', hostname: 'm2', port }),
      onChange: () => () => undefined,
    };
    const agent = await started.agent({ master: detector, work_dir: await started.dir() });
    await eventually(() => redirected >= 1);
    await new Promise<void>((resolve) => standby.close(() => resolve()));
    standby.closeAllConnections();
    const leader = await startOnPort(port);
    await leader.messages.next((m) => m.type === 'register');
    expect(await agent.registered()).toBeDefined();
  });

  it('keeps retrying while the master is down and re-registers when it is back', async () => {
    const master = await started.fakeMaster({ agent_id: 'S-5' });
    const port = master.port;
    const agent = await started.agent({ master: master.address, work_dir: await started.dir() });
    await agent.registered();
    await master.stop();
    started.masters.splice(started.masters.indexOf(master), 1);
    // The agent noticed the master is gone before it comes back.
    await eventually(async () => (await getJson(agent.port, '/state')).registered === false);
    const back = await startOnPort(port);
    const reregister = (await back.messages.next((m) => m.type === 'reregister')).item;
    expect(reregister.agent_info.id).toEqual({ value: 'S-5' });
  });
});

/** A fake master on a given port (retrying briefly while the old socket lets go of it). */
async function startOnPort(port: number) {
  for (let attempt = 0; ; attempt++) {
    try {
      const master = await startFakeMaster({ port });
      started.masters.push(master);
      return master;
    } catch (error) {
      if (attempt > 20) throw error;
      await sleep(50);
    }
  }
}
