// Slow and silent clients cannot pin a master: a connection that sends no headers, or sends them a
// byte at a time, is cut after the header timeout, and one address holds at most its share of
// connections, while the master keeps answering others.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveMaster } from './live-master.ts';
import { rawRequest } from './master-client.ts';

const live = new LiveMaster(44);
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await live.cleanup();
});

/** Opens a raw TCP connection; resolves once connected, with a promise of its close. */
function open(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    const opened = Date.now();
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - opened)));
    // Reads (and drops) what the master sends, so that its close is seen.
    socket.resume();
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

describe('master connection limits', () => {
  it('cuts silent and slow-header connections after the header timeout', async () => {
    const m = await live.start({ header_timeout_ms: 300 });
    const silent = await open(m.port);
    const slow = await open(m.port);
    slow.socket.write('GET /master/health HTTP/1.1\r\n');
    const drip = setInterval(() => slow.socket.write('X'), 50);
    const [silentMs, slowMs] = await Promise.all([silent.closed, slow.closed]);
    clearInterval(drip);
    expect(silentMs).toBeLessThan(5000);
    expect(slowMs).toBeLessThan(5000);
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/health' })).status).toBe(200);
  });

  it('holds at most connections_per_client_max from one address', async () => {
    const m = await live.start({ connections_per_client_max: 4 });
    const held = await Promise.all(Array.from({ length: 4 }, () => open(m.port)));
    const extra = await open(m.port);
    await extra.closed;
    expect(held.every((h) => !h.socket.destroyed)).toBe(true);
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    expect((await rawRequest(m.port, { method: 'GET', path: '/master/health' })).status).toBe(200);
  });

  it('refuses bad limits naming them', async () => {
    await expect(live.start({ connections_max: 0 })).rejects.toThrow(/connections_max must be/);
  });
});
