/**
 * Keys and item mapping of push subscriptions in the groups table:
 *
 *   gt = "~subs#{topic}", sk = "s#{name}"            the configuration (and signing secrets)
 *   gt = "{name}#{topic}", sk = "d#{topicId}#{NNNNN}" per partition: committed, epoch, holder,
 *       leaseUntil, batchId/batchEnd/batchAttempts, consecutiveFailures, failingSince,
 *       lastError, nextAttemptAt, capSize/capUntil
 *   gt = "~retries", sk = "{topic}#{topicId}#{name}#{NNNNN}"  dueAt: a partition the sweep must try
 *
 * The delivery state sits beside consumer groups' partition items (`p#…`)
 * under its own sort-key prefix, so a group and a subscription of the same
 * name never share state. Names follow the topic-name rule (no `#`).
 */
import type { DeliveryState, Subscription, SubscriptionKey } from '../core/delivery/types';

type Item = Record<string, unknown>;

export const configPk = (topic: string) => `~subs#${topic}`;
export const configSk = (name: string) => `s#${name}`;
export const statePk = (key: SubscriptionKey) => `${key.name}#${key.topic}`;
export const statePrefix = (key: SubscriptionKey) => `d#${key.topicId}#`;
export const stateSk = (key: SubscriptionKey, partition: number) => `${statePrefix(key)}${String(partition).padStart(5, '0')}`;
export const RETRIES_PK = '~retries';
export const retrySk = (key: SubscriptionKey, partition: number) =>
  `${key.topic}#${key.topicId}#${key.name}#${String(partition).padStart(5, '0')}`;

export function parseRetrySk(sk: string): { key: SubscriptionKey; partition: number } | undefined {
  const parts = sk.split('#');
  if (parts.length !== 4) return undefined;
  const [topic, topicId, name, partition] = parts as [string, string, string, string];
  return { key: { topic, topicId, name }, partition: Number(partition) };
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const num = (value: unknown) => (value === undefined || value === null ? undefined : Number(value));

export function configItem(s: Subscription): Item {
  return {
    gt: configPk(s.topic),
    sk: configSk(s.name),
    name: s.name,
    topic: s.topic,
    topicId: s.topicId,
    target: s.target,
    filter: s.filter === null ? null : JSON.stringify(s.filter),
    maxBatchRecords: s.maxBatchRecords,
    maxBatchingWindowMs: s.maxBatchingWindowMs,
    maxDeliveryAttempts: s.maxDeliveryAttempts,
    startFrom: s.startFrom,
    state: s.state,
    secret: s.secrets.current,
    createdAt: s.createdAt,
  };
}

export function fromConfigItem(item: Item): Subscription {
  const target = item.target as Subscription['target'];
  return {
    name: String(item.name),
    topic: String(item.topic),
    topicId: String(item.topicId),
    target: target.type === 'https' ? { type: 'https', url: target.url } : { type: 'lambda', functionArn: target.functionArn },
    filter: typeof item.filter === 'string' ? JSON.parse(item.filter) : null,
    maxBatchRecords: Number(item.maxBatchRecords),
    maxBatchingWindowMs: Number(item.maxBatchingWindowMs ?? 0),
    maxDeliveryAttempts: num(item.maxDeliveryAttempts) ?? null,
    startFrom: item.startFrom === 'earliest' ? 'earliest' : 'latest',
    state: item.state === 'paused' || item.state === 'disabled' ? item.state : 'active',
    disabledReason: str(item.disabledReason),
    secrets: { current: String(item.secret), previous: str(item.previousSecret), previousUntil: num(item.previousUntil) },
    createdAt: Number(item.createdAt),
  };
}

export function toState(partition: number, item: Item | undefined): DeliveryState {
  const batchId = str(item?.batchId);
  return {
    partition,
    committed: num(item?.committed),
    epoch: Number(item?.epoch ?? 0),
    holder: str(item?.holder),
    leaseUntil: Number(item?.leaseUntil ?? 0),
    batch: batchId ? { id: batchId, end: Number(item?.batchEnd), attempts: Number(item?.batchAttempts ?? 0) } : undefined,
    consecutiveFailures: Number(item?.consecutiveFailures ?? 0),
    failingSince: num(item?.failingSince),
    lastError: str(item?.lastError),
    nextAttemptAt: num(item?.nextAttemptAt),
    capSize: num(item?.capSize),
    capUntil: num(item?.capUntil),
  };
}

/** An update expression from values to set (undefined: remove the attribute). */
export function updateExpression(values: Record<string, unknown>): {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const vals: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(values).forEach(([name, value], i) => {
    names[`#u${i}`] = name;
    if (value === undefined) removes.push(`#u${i}`);
    else {
      vals[`:u${i}`] = value;
      sets.push(`#u${i} = :u${i}`);
    }
  });
  const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
  return { UpdateExpression: expression, ExpressionAttributeNames: names, ExpressionAttributeValues: vals };
}
