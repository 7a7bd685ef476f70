import { apiWildcardArn } from '../../lambdas/handlers/authorizer';
import { bearerToken, isAllowed, patternCovers } from '../../lambdas/core/auth';

describe('apiWildcardArn', () => {
  // Reproduction: the policy once read `…:apiId/prod/GET/*`, so with the authorizer cache on,
  // a token allowed for GET /v1/topics was refused (403) on POST /v1/topics for 60 s.
  it('covers every method and path of the stage, so one cached answer serves every route', () => {
    expect(apiWildcardArn('arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/topics/orders')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*',
    );
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, case-insensitively', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
  });
  it('reads nothing from other schemes or empty headers', () => {
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('permissions', () => {
  it('matches exact names, prefixes ending in *, and * for every topic', () => {
    expect(patternCovers('orders', 'orders')).toBe(true);
    expect(patternCovers('orders', 'orders-eu')).toBe(false);
    expect(patternCovers('orders*', 'orders-eu')).toBe(true);
    expect(patternCovers('orders*', 'order')).toBe(false);
    expect(patternCovers('*', 'anything')).toBe(true);
    expect(patternCovers('orders*', '*')).toBe(false);
  });

  it('needs the action on the topic', () => {
    const identity = { tokenId: 't', name: 'n', permissions: [{ topics: 'orders*', actions: ['produce' as const] }] };
    expect(isAllowed(identity, 'produce', 'orders-1')).toBe(true);
    expect(isAllowed(identity, 'consume', 'orders-1')).toBe(false);
    expect(isAllowed(identity, 'produce', 'payments')).toBe(false);
    expect(isAllowed(identity, 'admin', '*')).toBe(false);
  });
});
