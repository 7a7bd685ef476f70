/**
 * API Gateway's own error responses (authorizer refusals, unknown routes,
 * throttling, timeouts …) rewritten into the API's error body
 * `{"error": {"code", "message"}}`, so a client sees one error format whether
 * the error comes from a handler or from the gateway. See docs: API.md, Errors.
 */
import { ResponseType, type RestApiBase } from 'aws-cdk-lib/aws-apigateway';

/** One gateway response: which gateway error, and what the client receives. */
export interface GatewayErrorMapping {
  /** The gateway's error type. */
  readonly type: ResponseType;
  /** The HTTP status; undefined keeps the gateway's own (DEFAULT_4XX covers several). */
  readonly statusCode?: string;
  /** The API error code (`error.code`). */
  readonly code: string;
  /**
   * A fixed sentence; undefined uses the gateway's own message
   * (`$context.error.messageString`, already a quoted, escaped JSON string).
   */
  readonly message?: string;
  /** Extra response headers, as literal values (no quotes needed here). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Status overrides and messages for the gateway's errors. */
export const GATEWAY_ERRORS: readonly GatewayErrorMapping[] = [
  {
    // The authorizer threw 'Unauthorized' (unknown or malformed token), or the
    // Authorization header is missing (the authorizer is not even called).
    type: ResponseType.UNAUTHORIZED,
    statusCode: '401',
    code: 'UNAUTHENTICATED',
    message: 'A valid bearer token is required (Authorization: Bearer <token>).',
    headers: { 'WWW-Authenticate': 'Bearer' },
  },
  {
    // The authorizer returned a Deny policy. The token-level checks throw
    // instead (401); per-topic permissions are checked by the handlers.
    type: ResponseType.ACCESS_DENIED,
    statusCode: '403',
    code: 'FORBIDDEN',
    message: 'The token is not allowed to call this route.',
  },
  {
    // What a REST API answers for an unknown path or a method the path lacks.
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    code: 'NOT_FOUND',
    message: 'No route matches this method and path.',
  },
  {
    type: ResponseType.THROTTLED,
    statusCode: '429',
    code: 'THROTTLED',
    message: 'Too many requests; retry after a short wait.',
    headers: { 'Retry-After': '1' },
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    statusCode: '413',
    code: 'PAYLOAD_TOO_LARGE',
    message: 'The request is larger than the API accepts.',
  },
  { type: ResponseType.BAD_REQUEST_BODY, statusCode: '400', code: 'INVALID_REQUEST' },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, statusCode: '400', code: 'INVALID_REQUEST' },
  { type: ResponseType.DEFAULT_4XX, code: 'INVALID_REQUEST' },
  {
    // Handler timeouts: the request may or may not have taken effect.
    type: ResponseType.INTEGRATION_TIMEOUT,
    statusCode: '503',
    code: 'UNAVAILABLE',
    message: 'The request timed out; it may have taken effect. Retry (a produce request with the same Idempotency-Key).',
  },
  {
    // Also covers AUTHORIZER_FAILURE (the token store failed) and INTEGRATION_FAILURE.
    type: ResponseType.DEFAULT_5XX,
    statusCode: '503',
    code: 'UNAVAILABLE',
    message: 'The service is temporarily unavailable; retry.',
  },
];

/** The response body template (Velocity) of one mapping. */
export function errorBodyTemplate(mapping: GatewayErrorMapping): string {
  const message = mapping.message === undefined ? '$context.error.messageString' : JSON.stringify(mapping.message);
  return `{"error":{"code":${JSON.stringify(mapping.code)},"message":${message}}}`;
}

/** Adds a gateway response for every entry of {@link GATEWAY_ERRORS} to `api`. */
export function addGatewayErrorResponses(api: RestApiBase): void {
  for (const mapping of GATEWAY_ERRORS) {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...mapping.headers };
    api.addGatewayResponse(mapping.type.responseType, {
      type: mapping.type,
      ...(mapping.statusCode ? { statusCode: mapping.statusCode } : {}),
      // Header values are mapping expressions: a literal is written in single quotes.
      responseHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`])),
      templates: { 'application/json': errorBodyTemplate(mapping) },
    });
  }
}
