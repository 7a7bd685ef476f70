/**
 * The Tributary client SDK: `import { TributaryClient } from '@tributary/client'`.
 * It speaks HTTP API v1 (API.md) with the global fetch.
 */
export { TributaryClient, type ClientOptions } from './client';
export { Admin, type ListDeadLettersRequest } from './admin';
export {
  Consumer,
  type Batch,
  type ConsumerOptions,
  type EachBatchPayload,
  type EachRecordPayload,
  type RunConfig,
} from './consumer';
export {
  Producer,
  DEFAULT_LINGER_MS,
  MAX_RECORDS_PER_REQUEST,
  MAX_REQUEST_BYTES,
  type ProducerOptions,
  type SendRequest,
} from './producer';
export { ShareConsumer, type ShareConsumerOptions, type ShareRecord } from './share-consumer';
export { ShareAdmin } from './share-admin';
export type * from './share-types';
export { HttpTransport, type FetchLike, type RetryInfo, type RetryMode, type TransportOptions } from './http';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff';
export {
  LiveConnection,
  LIVE_DEFAULTS,
  defaultLiveUrl,
  type LiveOptions,
  type LiveWait,
  type RecordWaiter,
  type SocketFactory,
  type SocketLike,
} from './live';
export type { LiveClientMessage, LiveServerMessage, LivePartitionEnd } from './protocol/live';
export { base64ToBytes, bytesToBase64 } from './base64';
export * from './errors';
export type * from './types';
export type * from './subscription-types';
export { verifyWebhook, WebhookVerificationError, type VerifyOptions, type WebhookDelivery } from './webhooks';
export type { FollowRequest } from './follow';
