/**
 * The WebSocket upgrade reads the token as the REST API does (issue 16, §5):
 * two Authorization headers are refused, never read one way by one layer and
 * another way by the next.
 */
import { upgradeToken } from '../../lambdas/core/live/session';
import { UnauthenticatedError } from '../../lambdas/core/errors';

describe('upgradeToken', () => {
  it('reads a bearer token from the Authorization header, whatever its case', () => {
    expect(upgradeToken({ Authorization: 'Bearer abc' }, null)).toBe('abc');
    expect(upgradeToken({ authorization: ['Bearer abc'] }, null)).toBe('abc');
  });

  it('falls back to ?token= when there is no header (browsers)', () => {
    expect(upgradeToken({}, { token: 'xyz' })).toBe('xyz');
    expect(upgradeToken(undefined, {})).toBeUndefined();
  });

  it('refuses two Authorization headers in one list (the local server passes the raw ones)', () => {
    expect(() => upgradeToken({ authorization: ['Bearer narrow', 'Bearer admin'] }, null)).toThrow(UnauthenticatedError);
  });

  it('refuses the header under two spellings of its name', () => {
    expect(() => upgradeToken({ Authorization: 'Bearer narrow', authorization: 'Bearer admin' }, null)).toThrow(UnauthenticatedError);
  });

  it("refuses two values in API Gateway's multiValueHeaders even when headers shows one", () => {
    expect(() =>
      upgradeToken({ Authorization: 'Bearer admin' }, null, { Authorization: ['Bearer narrow', 'Bearer admin'] }),
    ).toThrow(UnauthenticatedError);
  });
});
