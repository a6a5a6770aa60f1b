// The resource algebra with what offer operations make: dynamic reservations with principals and
// labels, and persistent volumes; and how /master/state shows them in full.
import { describe, expect, it } from 'vitest';
import {
  add,
  contains,
  formatResources,
  normalize,
  parseResources,
  type Resource,
  subtract,
} from '../../engine/resources.ts';
import { fullResource } from '../../runtime/master/resources-json.ts';

const cpus = (value: number, reservations?: Resource['reservations']): Resource => ({
  name: 'cpus',
  type: 'SCALAR',
  scalar: { value },
  ...(reservations === undefined ? {} : { reservations }),
});

describe('persistent volumes in the algebra', () => {
  it('parses and formats a volume as NAME(STACK)[ID:PATH]:VALUE', () => {
    const r = parseResources('disk(dynamic:prod@alice)[v1:data]:100;disk(dynamic:prod):50');
    expect(r.find((x) => x.disk !== undefined)?.disk).toEqual({
      persistence: { id: 'v1' },
      volume: { container_path: 'data', mode: 'RW' },
    });
    expect(formatResources(r)).toBe('disk(dynamic:prod):50;disk(dynamic:prod@alice)[v1:data]:100');
    expect(formatResources(parseResources(formatResources(r)))).toBe(formatResources(r));
  });

  it('keeps a volume apart from plain disk of the same reservation, and holds it only whole', () => {
    const volume = parseResources('disk(dynamic:prod)[v1:data]:100');
    const plain = parseResources('disk(dynamic:prod):100');
    const both = add(volume, plain);
    expect(both).toHaveLength(2);
    expect(contains(both, volume)).toBe(true);
    expect(contains(both, parseResources('disk(dynamic:prod)[v1:data]:50'))).toBe(false);
    expect(formatResources(subtract(both, volume))).toBe('disk(dynamic:prod):100');
  });

  it('refuses disk info on anything but disk, and volumes without a container path', () => {
    expect(() =>
      normalize([{ ...cpus(1), disk: { persistence: { id: 'x' }, volume: { container_path: 'p' } } }]),
    ).toThrow(/only disk may carry disk info/);
    expect(() =>
      normalize([
        {
          name: 'disk',
          type: 'SCALAR',
          scalar: { value: 1 },
          disk: { persistence: { id: 'x' }, volume: { container_path: '' } },
        },
      ]),
    ).toThrow(/container_path/);
  });
});

describe('reservation principals and labels', () => {
  it('merges reservations with equal labels in any order, and never those with different labels', () => {
    const labelled = (labels: Array<{ key: string; value?: string }>) =>
      cpus(1, [{ type: 'DYNAMIC', role: 'prod', labels: { labels } }]);
    const ab = normalize([labelled([{ key: 'a', value: '1' }, { key: 'b' }])]);
    const ba = normalize([labelled([{ key: 'b' }, { key: 'a', value: '1' }])]);
    expect(add(ab, ba)).toHaveLength(1);
    expect(add(ab, ba)[0]!.scalar!.value).toBe(2);
    const other = normalize([labelled([{ key: 'a', value: '2' }])]);
    expect(add(ab, other)).toHaveLength(2);
    expect(contains(add(ab, other), normalize([labelled([{ key: 'a', value: '9' }])]))).toBe(false);
  });

  it('reads the pre-refinement role and reservation as a dynamic reservation', () => {
    const legacy: Resource = { ...cpus(2), role: 'prod', reservation: { principal: 'alice' } };
    const staticOnly: Resource = { ...cpus(1), role: 'prod' };
    expect(formatResources(normalize([legacy, staticOnly]))).toBe('cpus(dynamic:prod@alice):2;cpus(prod):1');
  });
});

describe('resources in full on /master/state', () => {
  it('shows the legacy role and reservation beside the stack, and the disk info', () => {
    const [volume] = parseResources('disk(dynamic:prod@alice)[v1:data]:100') as [Resource];
    expect(fullResource(volume)).toEqual({
      name: 'disk',
      type: 'SCALAR',
      scalar: { value: 100 },
      role: 'prod',
      disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } },
      reservation: { principal: 'alice' },
      reservations: [{ type: 'DYNAMIC', role: 'prod', principal: 'alice' }],
    });
    const [refined] = parseResources('cpus(eng,dynamic:eng/db):1') as [Resource];
    expect(fullResource(refined)).toEqual({
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 1 },
      role: 'eng/db',
      reservations: [
        { type: 'STATIC', role: 'eng' },
        { type: 'DYNAMIC', role: 'eng/db' },
      ],
    });
  });
});
