// What a hostile client on loopback sends a master that must not break it: JSON nested past the
// bound (with the journal on, whose serialiser recurses), role names with NUL or bidi characters, a
// SUBSCRIBE with too many roles, weights and quota beyond their bounds. Each is a 400 with a message
// and changes nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveMaster } from './live-master.ts';
import {
  type Json,
  openStream,
  postJson,
  type RawRequest,
  rawRequest,
  subscribeCall,
} from './master-client.ts';

const live = new LiveMaster(41);
const dirs: string[] = [];
afterEach(async () => {
  await live.cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `{"x":{"x":...}}` nested `depth` levels, as text (JSON.stringify would itself overflow). */
function nested(depth: number): string {
  return `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A request with a JSON content type. */
const raw = (port: number, req: RawRequest) =>
  rawRequest(port, { ...req, headers: { 'Content-Type': 'application/json', ...req.headers } });

const weights = (port: number, list: Json[]) =>
  postJson(port, '/api/v1', { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: list } });

describe('master hardening', () => {
  it('refuses JSON nested past 400 levels with a 400, journal on, and stays up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meso-hardening-'));
    dirs.push(dir);
    const m = await live.start({ journal: join(dir, 'journal.ndjson') });
    const deep = nested(5000);
    for (const [path, body] of [
      ['/api/v1/scheduler', `{"type":"SUBSCRIBE","junk":${deep}}`],
      [
        '/api/v1',
        `{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"a","weight":1,"x":${deep}}]}}`,
      ],
      ['/weights', `[{"role":"a","weight":1,"x":${deep}}]`],
    ] as const) {
      const res = await raw(m.port, { path, method: path === '/weights' ? 'PUT' : 'POST', body });
      expect([res.status, res.body]).toEqual([400, expect.stringMatching(/deeper than 400 levels/)]);
    }
    // Nesting within the bound is judged as any other call.
    const shallow = await raw(m.port, {
      path: '/api/v1/scheduler',
      body: `{"type":"SUBSCRIBE","junk":${nested(300)}}`,
    });
    expect(shallow.status).toBe(400);
    expect(shallow.body).not.toMatch(/deeper/);
    expect((await postJson(m.port, '/api/v1', { type: 'GET_WEIGHTS' })).body).toBe(
      JSON.stringify({ type: 'GET_WEIGHTS', get_weights: { weight_infos: [] } }),
    );
    await live.stop();
    // The refused bodies never reached the engine, so the journal holds none of them.
    expect(readFileSync(join(dir, 'journal.ndjson'), 'utf8')).not.toContain('{"x":'.repeat(301));
  });

  it('refuses role names with NUL or bidi characters, and too many roles', async () => {
    const m = await live.start();
    for (const role of ['a\u0000b', 'admin\u202egnp', 'x'.repeat(256)]) {
      const stream = await openStream(m.port, '/api/v1/scheduler', subscribeCall('f', { roles: [role] }));
      live.streams.push(stream);
      expect(stream.status).toBe(400);
      const res = await weights(m.port, [{ role, weight: 2 }]);
      expect(res.status).toBe(400);
    }
    const many = Array.from({ length: 100_000 }, (_, i) => `r${i}`);
    const stream = await openStream(m.port, '/api/v1/scheduler', subscribeCall('f', { roles: many }));
    live.streams.push(stream);
    expect(stream.status).toBe(400);
    const state = JSON.parse((await raw(m.port, { method: 'GET', path: '/master/state' })).body) as Json;
    expect(state.frameworks).toEqual([]);
  });

  it('bounds weights and quota: finite, positive, and not huge', async () => {
    const m = await live.start();
    for (const weight of [1e308, 1e7, 0, -1]) {
      const res = await weights(m.port, [{ role: 'prod', weight }]);
      expect([res.status, res.body]).toEqual([400, expect.stringMatching(/weight of role 'prod'/)]);
    }
    expect((await weights(m.port, [{ role: 'prod', weight: 1e6 }])).status).toBe(200);
    const quota = {
      role: 'prod',
      guarantees: { cpus: { value: 1e300 } },
      limits: { cpus: { value: 1e300 } },
    };
    const res = await postJson(m.port, '/api/v1', {
      type: 'UPDATE_QUOTA',
      update_quota: { quota_configs: [quota] },
    });
    expect(res.status).toBe(400);
    const got = JSON.parse((await postJson(m.port, '/api/v1', { type: 'GET_QUOTA' })).body) as Json;
    expect(got.get_quota.status.configs ?? []).toEqual([]);
  });
});
