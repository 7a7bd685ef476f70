/** The offset-reset rules that need no store: the CLI's target and partition options, the API's body parser, and the client's error class. */
import { errorFromResponse, GroupActiveError } from '../../packages/client/src';
import { partitionList, resetTarget } from '../../packages/client/src/cli/reset-options';
import { parseReset } from '../../lambdas/http/group-schemas';
import { InvalidRequestError } from '../../lambdas/core/errors';

const base = { group: 'g', topic: 't' };

describe('tributary groups reset options', () => {
  test.each([
    [{ toEarliest: true }, 'earliest'],
    [{ toLatest: true }, 'latest'],
    [{ toOffset: 7 }, { offset: 7 }],
    [{ toOffset: 0 }, { offset: 0 }],
    [{ shiftBy: -3 }, { shiftBy: -3 }],
    [{ toDatetime: '2026-12-04T10:00:00Z' }, { timestamp: Date.UTC(2026, 11, 4, 10) }],
  ])('%j is the target %j', (options, target) => {
    expect(resetTarget({ ...base, ...options })).toEqual(target);
  });

  test('exactly one target is required', () => {
    expect(() => resetTarget(base)).toThrow('exactly one of');
    expect(() => resetTarget({ ...base, toEarliest: true, shiftBy: 1 })).toThrow('exactly one of');
  });

  test('a date-time that does not parse is named', () => {
    expect(() => resetTarget({ ...base, toDatetime: 'yesterday' })).toThrow('--to-datetime');
  });

  test('--partitions is a comma-separated list of partition numbers', () => {
    expect(partitionList('0,1, 5')).toEqual([0, 1, 5]);
    expect(() => partitionList('0,,1')).toThrow('--partitions');
    expect(() => partitionList('a')).toThrow('--partitions');
  });
});

describe('parseReset', () => {
  test('defaults force and dryRun to false and keeps the target', () => {
    expect(parseReset({ topic: 't', to: { shiftBy: -2 } })).toEqual({ topic: 't', to: { shiftBy: -2 }, force: false, dryRun: false });
  });

  test.each([
    [{ topic: 't', to: { offset: -1 } }, 'to.offset'],
    [{ topic: 't', to: { timestamp: 1.5 } }, 'to.timestamp'],
    [{ topic: 't', to: {} }, 'to'],
    [{ topic: 't', to: [1] }, 'to'],
    [{ topic: 't', to: 'first' }, 'to'],
    [null, 'body'],
  ])('%j is refused naming %s', (body, field) => {
    let caught: unknown;
    try {
      parseReset(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidRequestError);
    expect((caught as InvalidRequestError).field).toBe(field);
  });
});

test('the client turns 409 GROUP_ACTIVE into GroupActiveError with the consumers', () => {
  const error = errorFromResponse(409, { error: { code: 'GROUP_ACTIVE', message: 'live' }, consumers: ['c1'] });
  expect(error).toBeInstanceOf(GroupActiveError);
  expect((error as GroupActiveError).consumers).toEqual(['c1']);
});
