import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipToUint32, isDottedQuad, masterAddressOf, uint32ToIp } from '../../runtime/wire/master-info.ts';

describe('ipToUint32', () => {
  it('reads the address bytes little-endian, as Mesos does', () => {
    expect(ipToUint32('127.0.1.1')).toBe(16842879);
    expect(ipToUint32('127.0.0.1')).toBe(16777343);
    expect(ipToUint32('1.0.0.0')).toBe(1);
    expect(ipToUint32('0.0.0.1')).toBe(2 ** 24);
    expect(ipToUint32('0.0.0.0')).toBe(0);
    expect(ipToUint32('255.255.255.255')).toBe(2 ** 32 - 1);
  });

  it('is a + b*2^8 + c*2^16 + d*2^24 for every address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
        expect(ipToUint32(ip)).toBe(a + b * 256 + c * 65536 + d * 16777216);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses what is not a dotted quad, naming it', () => {
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.0.0.1',
      '1.2.3.-4',
      '01.2.3.4',
      'a.b.c.d',
      ' 1.2.3.4',
      '1..3.4',
    ]) {
      expect(() => ipToUint32(bad), bad).toThrow(`'${bad}' is not a dotted-quad IPv4 address`);
      expect(isDottedQuad(bad), bad).toBe(false);
    }
  });
});

describe('uint32ToIp', () => {
  it('is the inverse of ipToUint32', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(uint32ToIp(ipToUint32(ip))).toBe(ip);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        expect(ipToUint32(uint32ToIp(n))).toBe(n);
      }),
      { numRuns: 200 },
    );
  });

  it('maps 16842879 back to 127.0.1.1', () => {
    expect(uint32ToIp(16842879)).toBe('127.0.1.1');
  });

  it('refuses values outside uint32', () => {
    expect(() => uint32ToIp(-1)).toThrow(/integer in \[0, 4294967295\]/);
    expect(() => uint32ToIp(2 ** 32)).toThrow(/integer in/);
    expect(() => uint32ToIp(1.5)).toThrow(/integer in/);
  });
});

describe('masterAddressOf', () => {
  it('reads address.ip, address.hostname and address.port', () => {
    const info = {
      id: 'm1',
      ip: ipToUint32('10.0.0.9'),
      port: 1,
      address: { hostname: 'master-a', ip: '10.0.0.7', port: 5050 },
    };
    expect(masterAddressOf(info)).toEqual({ ip: '10.0.0.7', hostname: 'master-a', port: 5050 });
  });

  it('falls back to the uint32 ip and top-level port and hostname', () => {
    expect(masterAddressOf({ ip: 16842879, port: 5051, hostname: 'h' })).toEqual({
      ip: '127.0.1.1',
      hostname: 'h',
      port: 5051,
    });
    expect(masterAddressOf({ ip: 16842879, port: 5051 }).hostname).toBe('127.0.1.1');
  });

  it('refuses MasterInfo without a usable address or port', () => {
    expect(() => masterAddressOf(null)).toThrow(/JSON object/);
    expect(() => masterAddressOf({ port: 5050 })).toThrow(/no usable IPv4 address/);
    expect(() => masterAddressOf({ address: { ip: '10.0.0.1' } })).toThrow(/no valid port/);
    expect(() => masterAddressOf({ address: { ip: '10.0.0.1', port: 70000 } })).toThrow(/no valid port/);
  });
});
