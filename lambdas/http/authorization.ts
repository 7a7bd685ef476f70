/**
 * The `Authorization` header of a request, read the same way by the API
 * Gateway authorizer, the functions (function-side auth mode) and the local
 * server: a request that carries it more than once, under any spelling of
 * the name, is refused.
 *
 * Reproduction (issue 16, §5): the local server keyed its authorizer cache
 * on the first of two `Authorization` headers while the authorizer read the
 * last, so a narrow token sent beside the admin token got the admin's
 * rights, for the cache's lifetime.
 */
import { UnauthenticatedError } from '../core/errors';

type Headers = Readonly<Record<string, string | undefined>> | null | undefined;
type MultiValueHeaders = Readonly<Record<string, readonly string[] | undefined>> | null | undefined;

const isAuthorization = (name: string) => name.toLowerCase() === 'authorization';

/**
 * Every value of the `Authorization` header in API Gateway's event maps,
 * whatever the case of the name: from `multiValueHeaders` when the event
 * has them (they hold every value), else from `headers`.
 */
export function authorizationValues(headers: Headers, multiValueHeaders: MultiValueHeaders): string[] {
  const multi = Object.entries(multiValueHeaders ?? {}).filter(([name]) => isAuthorization(name));
  if (multi.length > 0) return multi.flatMap(([, values]) => [...(values ?? [])]);
  return Object.entries(headers ?? {})
    .filter(([name, value]) => isAuthorization(name) && value !== undefined)
    .map(([, value]) => value as string);
}

/**
 * The request's one `Authorization` value (undefined when there is none);
 * throws UnauthenticatedError (401) when the header comes more than once.
 */
export function singleAuthorization(headers: Headers, multiValueHeaders: MultiValueHeaders): string | undefined {
  const values = authorizationValues(headers, multiValueHeaders);
  if (values.length > 1) throw new UnauthenticatedError('Send one Authorization header, not several.');
  return values[0];
}
