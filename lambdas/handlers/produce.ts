/** Lambda: produce records to a topic (with optional Idempotency-Key). */
import { InvalidRequestError, PayloadTooLargeError } from '../core/errors';
import { MAX_PRODUCE_REQUEST_BYTES } from '../core/limits';
import { createHttpHandler } from '../http/middleware';
import { IDEMPOTENCY_KEY, parseJsonBody, parseProduce, parseTopicName } from '../http/schemas';
import { getRuntime } from '../runtime';

export const handler = createHttpHandler({
  produce: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const size = Buffer.byteLength(request.body ?? '', 'utf8');
    if (size > MAX_PRODUCE_REQUEST_BYTES) {
      throw new PayloadTooLargeError(`A produce request is at most ${MAX_PRODUCE_REQUEST_BYTES} bytes; got ${size}.`);
    }
    const body = parseJsonBody(request.body);
    const records = parseProduce(body);
    const runtime = getRuntime();
    const idempotencyKey = request.headers['idempotency-key'];
    if (idempotencyKey === undefined) {
      return { statusCode: 200, body: await runtime.producer.produce(topic, records) };
    }
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new InvalidRequestError('must be 1 to 255 printable ASCII characters', 'Idempotency-Key');
    }
    // Exact per partition (see core/log/produce.ts). The fingerprint ignores formatting: the same records with other white space are the same request.
    const result = await runtime.producer.produce(topic, records, { idempotencyKey, fingerprint: JSON.stringify(body) });
    return { statusCode: 200, body: result };
  },
});
