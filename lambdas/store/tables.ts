/**
 * The key schema of every table, written once: the CDK stack creates the
 * tables from it and the local stack (and the tests) create the same tables
 * in DynamoDB Local from it.
 */
import type { TableNames } from '../config';

export type KeyType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Attribute holding an epoch-seconds expiry, when the table uses TTL. */
  readonly timeToLiveAttribute?: string;
  /**
   * The table's change stream, when it has one (both the CDK stack and the
   * local stack enable it): the log's new images wake the stream dispatcher.
   */
  readonly stream?: 'NEW_IMAGE';
  /** What the table holds, for docs and the CDK description. */
  readonly purpose: string;
}

export const TABLE_DEFINITIONS: Readonly<Record<keyof TableNames, TableDefinition>> = {
  log: {
    partitionKey: { name: 'stream', type: 'S' },
    sortKey: { name: 'offset', type: 'N' },
    stream: 'NEW_IMAGE',
    purpose: 'Record batches: one item per produce request per partition, keyed by base offset.',
  },
  topics: {
    partitionKey: { name: 'topic', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    purpose: 'Topic configuration and per-partition state (start offset, archive mark).',
  },
  tokens: {
    partitionKey: { name: 'id', type: 'S' },
    purpose: 'API tokens: a hash of the secret and the permissions, never the secret.',
  },
  idempotency: {
    partitionKey: { name: 'id', type: 'S' },
    timeToLiveAttribute: 'expiration',
    purpose: 'Idempotency-Key records of produce requests, kept for 24 hours.',
  },
  groups: {
    partitionKey: { name: 'gt', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    purpose: 'Consumer groups per topic: members and assignment, and per partition the committed offset and lease.',
  },
  deadLetters: {
    partitionKey: { name: 'topic', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    purpose: 'Records that failed maxDeliveryAttempts times, per topic and group, until deleted or redriven.',
  },
  connections: {
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    timeToLiveAttribute: 'ttl',
    purpose: 'Live notifications: open WebSocket connections and, per topic, the connections watching it (TTL 2 h 10 min).',
  },
};
