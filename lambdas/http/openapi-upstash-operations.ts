/**
 * What the OpenAPI description says about the Upstash Kafka REST API that the
 * facade serves (`lambdas/handlers/upstash.ts`), as `@upstash/kafka` 1.3.5
 * calls it: per operation, as `openapi-operations.ts` does for /v1, and the
 * `Kafka-*` request headers of consume.
 */
import * as responses from './openapi-schemas';
import { integer, REQUEST_ERRORS, type OperationDoc } from './openapi-operations';
import * as upstash from '../upstash/schemas';
import { DEFAULT_AUTO_COMMIT_INTERVAL_MS, WEBHOOK_QUERY } from '../upstash/schemas';

export const UPSTASH_OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  upstashProduce: {
    summary: 'Produce one message or several (SDK: producer().produce, produceMany)',
    description:
      'Messages without `partition` go where Kafka\'s partitioner puts their key, as on /v1; a message without `timestamp` gets the time the server received it. Each value is stored as a JSON string (/v1 readers see `"value": "<the string>"`). Messages of one topic and partition get consecutive offsets in request order; a repeated header key is refused (400).',
    tag: 'Upstash',
    request: upstash.upstashProduceBody,
    permission: 'Permission `produce` on the topic of every message (one refused topic stores nothing).',
    success: { status: 200, description: 'Each message\'s position, in request order (an array also for one message).', body: responses.upstashProduceResponse },
    errors: [...REQUEST_ERRORS, 413],
  },
  upstashWebhook: {
    summary: 'Produce the request body as one message (a webhook)',
    tag: 'Upstash',
    textRequest: 'Any body, of any media type: its text (UTF-8) is the message value; no body is the empty string.',
    query: WEBHOOK_QUERY,
    requiredQuery: ['topic'],
    success: { status: 200, description: 'Where the message went.', body: responses.upstashProduceResult },
    errors: [...REQUEST_ERRORS, 413],
  },
  upstashFetch: {
    summary: 'Read partitions from offsets, outside any group (SDK: consumer().fetch)',
    description:
      'Reads `{topic, partition, offset}` and each entry of `topicPartitionOffsets` side by side, each waiting up to `timeout` ms (default 1000, capped at 20000) for a first message; at most 500 messages in all.',
    tag: 'Upstash',
    request: upstash.fetchBody,
    permission: 'Permission `consume` on every topic named in the body.',
    success: { status: 200, description: 'The messages, possibly none.', body: responses.upstashMessageList },
    errors: [...REQUEST_ERRORS, 416],
  },
  upstashConsume: {
    summary: 'Consume as an instance of a consumer group (SDK: consumer().consume)',
    description:
      'The instance is a consumer of the Tributary group (`consumerId` = instance id): instances share the partitions with leases, as on /v1. It reads from where its last call got to, else from the committed offset; with auto-commit it first commits what earlier calls returned once the interval has passed. `timeout` (ms, default 1000) is capped at 20000; at most 500 messages. An instance that does not consume for 30 s loses its partitions.',
    tag: 'Upstash',
    request: upstash.consumeBody,
    headers: ['Kafka-Enable-Auto-Commit', 'Kafka-Auto-Commit-Interval', 'Kafka-Auto-Offset-Reset'],
    permission: 'Permission `consume` on every topic named in the body.',
    success: { status: 200, description: 'The messages, possibly none.', body: responses.upstashMessageList },
    errors: REQUEST_ERRORS,
  },
  upstashCommit: {
    summary: 'Commit offsets (each the next offset to read) (SDK: consumer().commit)',
    description:
      'With a body, exactly those offsets (409 NOT_LEASE_HOLDER for a partition the instance does not hold); without one, where the instance got to on the partitions it still holds. A commit never moves an offset backwards.',
    tag: 'Upstash',
    request: upstash.upstashCommitBody,
    requestOptional: true,
    permission: 'Permission `consume` on every topic named in the body, or without a body on every topic the instance consumed.',
    success: { status: 200, description: 'Committed.', body: responses.upstashSuccess },
    errors: [...REQUEST_ERRORS, 409],
  },
  upstashCommitted: {
    summary: 'The group\'s committed offsets (SDK: consumer().committed, admin().committedOffsets)',
    tag: 'Upstash',
    request: upstash.topicPartitionsBody,
    permission: 'Permission `consume` on every topic named in the body.',
    success: { status: 200, description: 'The committed offsets.', body: responses.upstashCommittedOffsets },
    errors: REQUEST_ERRORS,
  },
  upstashRemoveConsumer: {
    summary: 'Remove a consumer instance (SDK: admin().removeConsumerInstance)',
    description:
      'Leaves the group on every topic the instance consumed, at once; what it consumed but did not commit goes to the next consumer. No body is read.',
    tag: 'Upstash',
    permission: 'Permission `consume` on every topic the instance consumed.',
    success: { status: 200, description: 'Removed.', body: responses.upstashSuccess },
    errors: REQUEST_ERRORS,
  },
  upstashOffsets: {
    summary: 'Partition offsets by time (SDK: admin().topicPartitionOffsets)',
    description:
      'Per partition: the start offset (`earliest`), the end offset (`latest`), or the first offset whose record has a timestamp at or after the given one (the end offset when there is none).',
    tag: 'Upstash',
    request: upstash.topicPartitionsBody,
    permission: 'Permission `consume` on every topic named in the body.',
    success: { status: 200, description: 'The offsets.', body: responses.upstashPartitionOffsets },
    errors: REQUEST_ERRORS,
  },
  upstashTopics: {
    summary: 'Every topic with its partition count (SDK: admin().topics)',
    tag: 'Upstash',
    success: { status: 200, description: 'Partitions per topic.', body: responses.upstashTopics },
    errors: [403],
  },
  upstashConsumers: {
    summary: 'Every consumer instance and the partitions it holds (SDK: admin().consumers)',
    tag: 'Upstash',
    success: { status: 200, description: 'Instances by group.', body: responses.upstashConsumers },
    errors: [403],
  },
};

/** Request headers, by name (what `parseUpstashConsume` reads, case-insensitively). */
const UPSTASH_HEADERS: Readonly<Record<string, { description: string; schema: Record<string, unknown> }>> = {
  'Kafka-Enable-Auto-Commit': {
    description: 'Commit what earlier calls of the instance returned, every Kafka-Auto-Commit-Interval ms (`true` or `false`, any case).',
    schema: { type: 'boolean', default: true },
  },
  'Kafka-Auto-Commit-Interval': {
    description: 'The auto-commit interval in ms.',
    schema: integer(0, 9_999_999_999, { default: DEFAULT_AUTO_COMMIT_INTERVAL_MS }),
  },
  'Kafka-Auto-Offset-Reset': {
    description:
      'Where a group without a committed offset starts on a partition: its start (`earliest`), its end (`latest`, as on Upstash; /v1 polls default to earliest), or nowhere (`none`: 400 while some partition has no committed offset). Any case.',
    schema: { type: 'string', enum: ['earliest', 'latest', 'none'], default: 'latest' },
  },
};

export function headerParameter(name: string): Record<string, unknown> {
  const known = UPSTASH_HEADERS[name];
  if (!known) throw new Error(`Header '${name}' has no description in UPSTASH_HEADERS`);
  return { name, in: 'header', required: false, ...known };
}
