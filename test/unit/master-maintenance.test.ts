// Maintenance in the engine, call by call: the schedule checks Mesos makes (each refusal a 400 that
// changes nothing), machines matched by hostname (any case) and IP, inverse offers answered and
// filtered, the registry change after each update, and a master recovering the schedule and modes
// from a registry (a DOWN machine's agent is refused after a failover too).
import { describe, expect, it } from 'vitest';
import type { MasterEffect, RegistryEffect } from '../../engine/master/effects.ts';
import type { MaintenanceSchedule } from '../../engine/master/v1.ts';
import { agentMessages, callErrors, eventsOf, Harness, offersOf } from './master-harness.ts';

const ns_per_s = 1e9;

/** A one-window schedule of machines from `start_s` for an hour. */
function schedule(
  machines: ReadonlyArray<{ hostname?: string; ip?: string }>,
  start_s = 3600,
): MaintenanceSchedule {
  return {
    windows: [
      {
        machine_ids: machines,
        unavailability: {
          start: { nanoseconds: start_s * ns_per_s },
          duration: { nanoseconds: 3600 * ns_per_s },
        },
      },
    ],
  };
}

function update(h: Harness, s: unknown): MasterEffect[] {
  return h.step({ type: 'operator_update_maintenance_schedule', schedule: s as MaintenanceSchedule });
}

function registryOf(out: readonly MasterEffect[]): RegistryEffect[] {
  return out.filter((e): e is RegistryEffect => e.type === 'registry');
}

describe('maintenance schedules', () => {
  it('refuses what Mesos refuses, naming the problem, and changes nothing', () => {
    const h = new Harness();
    h.registerAgent('a1');
    const cases: Array<[unknown, RegExp]> = [
      [
        { windows: [{ machine_ids: [], unavailability: { start: { nanoseconds: 0 } } }] },
        /lists no machines/,
      ],
      [{ windows: [{ machine_ids: [{ hostname: 'a1', ip: '127.0.0.1' }] }] }, /needs an unavailability/],
      [schedule([{}]), /neither a hostname nor an ip/],
      [schedule([{ hostname: 'a1', ip: '300.1.2.3' }]), /not an IPv4 address/],
      [schedule([{ hostname: 'a1', ip: '127.0.0.1' }], -1), /start must not be negative/],
      [
        {
          windows: [
            {
              machine_ids: [{ hostname: 'a1' }],
              unavailability: { start: { nanoseconds: 0 }, duration: { nanoseconds: -5 } },
            },
          ],
        },
        /duration must not be negative/,
      ],
      [
        schedule([
          { hostname: 'a1', ip: '127.0.0.1' },
          { hostname: 'A1', ip: '127.0.0.1' },
        ]),
        /listed twice/,
      ],
      [
        { windows: [...schedule([{ hostname: 'x' }]).windows!, ...schedule([{ hostname: 'x' }]).windows!] },
        /appears more than once/,
      ],
      [{ windows: 'no' }, /must be a list/],
      [null, /must be an object/],
    ];
    for (const [s, message] of cases) {
      const out = update(h, s);
      expect(callErrors(out).map((e) => e.status)).toEqual([400]);
      expect(callErrors(out)[0]!.message).toMatch(message);
      expect(registryOf(out)).toEqual([]);
    }
    expect(h.master.lookups.maintenanceSchedule()).toEqual({});
    expect(h.master.lookups.maintenanceStatus()).toEqual({});
  });

  it('matches an agent by hostname in any case and by IP, and records each update', () => {
    const h = new Harness();
    const a1 = h.registerAgent('a1');
    h.registerAgent('a2');
    const { frameworkId, streamId } = h.subscribe();
    offersOf(h.allocate(), frameworkId);
    // The IP must match too: a machine named by hostname alone is not a1's.
    update(h, schedule([{ hostname: 'A1' }]));
    expect(eventsOf(h.allocate(), frameworkId, 'INVERSE_OFFERS')).toEqual([]);
    const out = update(h, schedule([{ hostname: 'A1', ip: '127.0.0.1' }]));
    expect(registryOf(out)).toEqual([
      {
        type: 'registry',
        op: 'maintenance_updated',
        windows: schedule([{ hostname: 'A1', ip: '127.0.0.1' }]).windows,
        down_machines: [],
      },
    ]);
    // a1's offer was rescinded; the next carries the unavailability, and the framework holding it
    // gets an inverse offer about a1 with every resource (an empty list).
    const next = h.allocate();
    const offer = offersOf(next, frameworkId).find((o) => o.agent_id.value === a1);
    expect(offer?.unavailability?.start.nanoseconds).toBe(3600 * ns_per_s);
    const inverse = eventsOf(next, frameworkId, 'INVERSE_OFFERS').flatMap(
      (e) => e.inverse_offers.inverse_offers,
    );
    expect(inverse.map((o) => [o.agent_id.value, o.framework_id.value, o.resources])).toEqual([
      [a1, frameworkId, []],
    ]);
    // An accept with a filter is recorded and keeps the next inverse offer away until it ends.
    h.call(frameworkId, streamId, {
      type: 'ACCEPT_INVERSE_OFFERS',
      accept_inverse_offers: { inverse_offer_ids: [inverse[0]!.id], filters: { refuse_seconds: 30 } },
    });
    expect(
      h.master.lookups.maintenanceStatus().draining_machines?.[0]?.statuses?.map((s) => s.status),
    ).toEqual(['ACCEPT']);
    expect(eventsOf(h.allocate(), frameworkId, 'INVERSE_OFFERS')).toEqual([]);
    h.advance(31_000, (key) => key === 'allocation');
    expect(eventsOf(h.allocate(), frameworkId, 'INVERSE_OFFERS')).toHaveLength(1);
    // An unknown inverse offer id is ignored; a missing body is a 400.
    expect(
      callErrors(
        h.call(frameworkId, streamId, {
          type: 'DECLINE_INVERSE_OFFERS',
          decline_inverse_offers: { inverse_offer_ids: [{ value: 'nope' }] },
        }),
      ),
    ).toEqual([]);
    expect(
      callErrors(h.call(frameworkId, streamId, { type: 'DECLINE_INVERSE_OFFERS' } as never))[0]?.status,
    ).toBe(400);
  });

  it('recovers the schedule and modes from a registry: a DOWN machine still refuses its agent', () => {
    const first = new Harness();
    first.registerAgent('a1');
    update(
      first,
      schedule([
        { hostname: 'a1', ip: '127.0.0.1' },
        { hostname: 'b', ip: '10.0.0.2' },
      ]),
    );
    const down = first.step({
      type: 'operator_start_maintenance',
      machines: [{ hostname: 'a1', ip: '127.0.0.1' }],
    });
    expect(agentMessages(down).map((m) => m.message.type)).toContain('shutdown');
    const record = registryOf(down).find((e) => e.op === 'maintenance_updated');
    if (record?.op !== 'maintenance_updated') throw new Error('no maintenance record');
    const second = new Harness({
      recovered: { maintenance: { windows: record.windows, down_machines: record.down_machines } },
    });
    second.step({ type: 'start' });
    expect(second.master.lookups.maintenanceStatus()).toEqual({
      draining_machines: [{ id: { hostname: 'b', ip: '10.0.0.2' } }],
      down_machines: [{ hostname: 'a1', ip: '127.0.0.1' }],
    });
    const refused = second.step({
      type: 'agent_register',
      connection: 'c',
      agent_info: { hostname: 'a1', port: 5051, resources: 'cpus:1;mem:64' },
    });
    expect(agentMessages(refused).map((m) => m.message.type)).toEqual(['shutdown']);
    // STOP_MAINTENANCE brings it UP and out of the schedule; the window keeps the other machine.
    second.step({ type: 'operator_stop_maintenance', machines: [{ hostname: 'a1', ip: '127.0.0.1' }] });
    expect(second.master.lookups.maintenanceSchedule().windows?.[0]?.machine_ids).toEqual([
      { hostname: 'b', ip: '10.0.0.2' },
    ]);
    expect(second.registerAgent('a1')).toBeDefined();
  });
});
