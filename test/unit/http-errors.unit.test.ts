import { ERROR_CODES, OffsetOutOfRangeError, ThrottledError, TributaryError } from '../../lambdas/core/errors';
import { errorResponse, STATUS_BY_CODE } from '../../lambdas/http/errors';
import { translateAwsError } from '../../lambdas/store/aws-errors';

function awsError(name: string, status: number, code?: string): Error {
  return Object.assign(new Error(`${name} happened`), { name, code, $metadata: { httpStatusCode: status } });
}

describe('errorResponse', () => {
  it('gives every error code a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) expect(STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
  });

  it('puts startOffset and endOffset beside the error for 416', () => {
    const response = errorResponse(new OffsetOutOfRangeError(20, 3, 10));
    expect(response.statusCode).toBe(416);
    expect(JSON.parse(response.body)).toEqual({
      startOffset: 3,
      endOffset: 10,
      error: { code: 'OFFSET_OUT_OF_RANGE', message: expect.stringContaining('[3, 10]') },
    });
  });

  it('answers unknown errors with a fixed 500 sentence, never their message or stack', () => {
    const response = errorResponse(new Error('secret internals at /var/task/index.js:1'));
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":{"code":"INTERNAL","message":"Internal error."}}');
  });
});

describe('translateAwsError', () => {
  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'SlowDown'])(
    'turns %s (after the SDK retries) into 429 THROTTLED with Retry-After',
    (name) => {
      const error = translateAwsError(awsError(name, 400), 'DynamoDB');
      expect(error).toBeInstanceOf(ThrottledError);
      const response = errorResponse(error);
      expect(response.statusCode).toBe(429);
      expect(response.headers?.['Retry-After']).toBe('1');
      expect(JSON.parse(response.body).error.code).toBe('THROTTLED');
    },
  );

  it('turns 5xx answers and refused connections into 503 UNAVAILABLE', () => {
    for (const error of [awsError('InternalServerError', 500), awsError('Error', 0, 'ECONNREFUSED')]) {
      const translated = translateAwsError(error, 'DynamoDB') as TributaryError;
      expect(translated.code).toBe('UNAVAILABLE');
      expect(errorResponse(translated).statusCode).toBe(503);
    }
  });

  // Reproduction: the SDK wraps a refused connection as a plain `Error` whose $metadata has no
  // HTTP status; it used to surface as 500 INTERNAL instead of a retriable 503.
  it('treats an SDK error that never got an HTTP answer as 503 UNAVAILABLE', () => {
    const wrapped = Object.assign(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED'), {
      $metadata: { attempts: 2, totalRetryDelay: 1 },
    });
    expect((translateAwsError(wrapped, 'DynamoDB') as TributaryError).code).toBe('UNAVAILABLE');
  });

  it('passes conditional-check failures and validation errors through untouched', () => {
    const conditional = awsError('ConditionalCheckFailedException', 400);
    expect(translateAwsError(conditional, 'DynamoDB')).toBe(conditional);
    const validation = awsError('ValidationException', 400);
    expect(translateAwsError(validation, 'DynamoDB')).toBe(validation);
  });
});
