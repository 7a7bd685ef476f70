/** Push subscriptions as the API shows them (API.md, "Push subscriptions"). */

export type SubscriptionTarget = { type: 'https'; url: string } | { type: 'lambda'; functionArn: string };

export interface SubscriptionFilter {
  keys?: string[];
  headers?: { match?: 'all' | 'any'; values: Record<string, string | null> };
}

export interface CreateSubscriptionRequest {
  name: string;
  target: SubscriptionTarget;
  filter?: SubscriptionFilter;
  /** 1 to 1000 (default 100). */
  maxBatchRecords?: number;
  /** 0 to 300000 (default 0). */
  maxBatchingWindowMs?: number;
  /** Default: the topic's. */
  maxDeliveryAttempts?: number;
  /** Default `latest`: the end offsets at the moment of the create. */
  startFrom?: 'earliest' | 'latest';
}

export interface UpdateSubscriptionRequest {
  state?: 'active' | 'paused';
  filter?: SubscriptionFilter | null;
  rotateSecret?: boolean;
  maxBatchRecords?: number;
  maxBatchingWindowMs?: number;
  maxDeliveryAttempts?: number;
}

export interface SubscriptionInfo {
  name: string;
  topic: string;
  target: SubscriptionTarget;
  filter: SubscriptionFilter | null;
  state: 'active' | 'paused' | 'disabled';
  disabledReason?: string;
  maxBatchRecords: number;
  maxBatchingWindowMs: number;
  maxDeliveryAttempts: number | null;
  startFrom: 'earliest' | 'latest';
  createdAt: number;
  /** Shown once: on create and on a rotation (https targets). */
  signingSecret?: string;
}

export interface SubscriptionPartition {
  partition: number;
  committedOffset: number;
  endOffset: number;
  lag: number;
  consecutiveFailures: number;
  nextAttemptAt: number | null;
  lastError: string | null;
}

export interface SubscriptionDescription extends SubscriptionInfo {
  partitions: SubscriptionPartition[];
}
