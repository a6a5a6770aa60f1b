// The JSON-to-protobuf rules the live master applies to scheduler calls before the engine sees them.
import { describe, expect, it } from 'vitest';
import { checkJson, schedulerCallSchema } from '../../runtime/master/call-schema.ts';

const check = (value: unknown) => checkJson(value, schedulerCallSchema(), '');

describe('scheduler call schema', () => {
  it('drops nulls, keeps unknown fields, and passes a valid call through', () => {
    const call = {
      type: 'DECLINE',
      framework_id: { value: 'f1' },
      decline: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: null } },
      kill: null,
      extension: { anything: [1, null, { x: null }] },
    };
    expect(check(call)).toEqual({
      value: {
        type: 'DECLINE',
        framework_id: { value: 'f1' },
        decline: { offer_ids: [{ value: 'o1' }], filters: {} },
        extension: { anything: [1, null, {}] },
      },
    });
  });

  it.each([
    [
      'a number in an enum field',
      { type: 'ACCEPT', accept: { operations: [{ type: 1 }] } },
      'accept.operations[0].type',
    ],
    [
      'an unknown enum name',
      { type: 'ACCEPT', accept: { operations: [{ type: 'FLY' }] } },
      "unknown value 'FLY'",
    ],
    [
      'a string for a number',
      { type: 'DECLINE', decline: { filters: { refuse_seconds: '5' } } },
      'refuse_seconds',
    ],
    [
      'a missing required field',
      { type: 'KILL', kill: { agent_id: { value: 'a' } } },
      "'kill.task_id' is required",
    ],
    ['a missing type', { framework_id: { value: 'f' } }, "'type' is required"],
    ['an id without value', { type: 'REVIVE', framework_id: {} }, "'framework_id.value' is required"],
    [
      'bytes that are not base64',
      { type: 'MESSAGE', message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: '%%' } },
      'base64',
    ],
    ['null inside a list', { type: 'DECLINE', decline: { offer_ids: [null] } }, 'offer_ids[0]'],
    ['a list where an object belongs', { type: 'SUBSCRIBE', subscribe: [] }, "'subscribe' must be an object"],
  ])('refuses %s', (_name, call, fragment) => {
    const checked = check(call);
    expect('error' in checked).toBe(true);
    expect((checked as { error: string }).error).toContain(fragment);
  });

  it('lets an unknown call type through for the engine to answer 501', () => {
    expect(check({ type: 'TELEPORT' })).toEqual({ value: { type: 'TELEPORT' } });
  });
});
