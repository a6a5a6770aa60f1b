// Credentials files in Mesos's formats (JSON and `principal secret` lines) and HTTP Basic headers:
// what parses, and that errors name principals and lines but never a secret.
import { describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  credentialMatches,
  parseBasicAuthorization,
  parseCredential,
  parseCredentials,
} from '../../runtime/wire/credentials.ts';

describe('credentials', () => {
  it("reads Mesos's JSON and text formats", () => {
    const json = '{"credentials":[{"principal":"a","secret":"s1"},{"principal":"b","secret":"s2"}]}';
    expect(parseCredentials(json)).toEqual([
      { principal: 'a', secret: 's1' },
      { principal: 'b', secret: 's2' },
    ]);
    expect(parseCredentials('# ops\na s1\n\nb s2\n')).toHaveLength(2);
    expect(parseCredential('{"principal":"a","secret":"s1"}')).toEqual({ principal: 'a', secret: 's1' });
    expect(parseCredential('a s1\n')).toEqual({ principal: 'a', secret: 's1' });
  });

  it('refuses malformed files without printing a secret', () => {
    const cases = [
      '{"credentials":[{"principal":"a","secret":"hunter2"},{"principal":"a","secret":"hunter2"}]}',
      '{"credentials":[{"principal":"","secret":"hunter2"}]}',
      '{"credentials":{"principal":"a","secret":"hunter2"}}',
      'a hunter2 extra',
      '{"principal":"a","secret":"hunter2"',
    ];
    for (const text of cases) {
      expect(() => parseCredentials(text)).toThrow();
      try {
        parseCredentials(text);
      } catch (error) {
        expect((error as Error).message).not.toContain('hunter2');
      }
    }
    expect(() => parseCredential('a s1\nb s2')).toThrow(/exactly one/);
  });

  it('round-trips HTTP Basic and matches only the right secret', () => {
    const known = new Map([['a', 's:1']]);
    const header = basicAuthorization({ principal: 'a', secret: 's:1' });
    expect(parseBasicAuthorization(header)).toEqual({ principal: 'a', secret: 's:1' });
    expect(credentialMatches(known, parseBasicAuthorization(header)!)).toBe(true);
    expect(credentialMatches(known, { principal: 'a', secret: 's:2' })).toBe(false);
    expect(credentialMatches(known, { principal: 'b', secret: 's:1' })).toBe(false);
    expect(parseBasicAuthorization('Bearer x')).toBeUndefined();
    expect(parseBasicAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  });
});
