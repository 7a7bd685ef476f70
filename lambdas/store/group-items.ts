/**
 * Keys, item mapping and transaction items of the groups table (see
 * group-store.ts for the layout). Kept apart so the store reads as its operations.
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { MemberState } from '../core/groups/assignment';
import type { AssignmentChange, GroupKey, GroupPartition, GroupView, OffsetResetChange } from '../core/ports';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Item = Record<string, unknown>;

export const pk = (key: GroupKey) => `${key.group}#${key.topic}`;
export const membersSk = (key: GroupKey) => `members#${key.topicId}`;
export const partitionPrefix = (key: GroupKey) => `p#${key.topicId}#`;
export const partitionSk = (key: GroupKey, partition: number) => `${partitionPrefix(key)}${String(partition).padStart(5, '0')}`;
/** A consumer's delivered marks: attribute `d:{partition}` = [epoch, delivered]. */
export const marksSk = (key: GroupKey, consumer: string) => `d#${key.topicId}#${consumer}`;

/**
 * The per-topic index of groups: one item per (topic, group), written the
 * first time the group's heartbeat finds its member item without the
 * `indexed` mark. Group and topic names never contain `~`, so this key
 * cannot be a group's `{group}#{topic}`.
 */
export const readersPk = (topic: string) => `~readers#${topic}`;
export const readerPrefix = (topicId: string) => `${topicId}#`;
export const readerSk = (key: GroupKey) => `${readerPrefix(key.topicId)}${key.group}`;
/** Attribute of the member item that says the group is in its topic's index. */
export const INDEXED = 'indexed';

export function toView(item: Item | undefined): GroupView {
  const members = new Map<string, { expiresAt: number; held: number[] }>();
  const member = (id: string) => {
    let m = members.get(id);
    if (!m) members.set(id, (m = { expiresAt: 0, held: [] }));
    return m;
  };
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith('m:')) member(name.slice(2)).expiresAt = Number(value);
    else if (name.startsWith('h:')) member(name.slice(2)).held = (value as unknown[]).map(Number);
  }
  return { version: Number(item?.version ?? 0), members: members as ReadonlyMap<string, MemberState> };
}

export function toPartition(partition: number, item: Item | undefined): GroupPartition {
  return {
    partition,
    committed: item?.committed === undefined ? undefined : Number(item.committed),
    holder: typeof item?.holder === 'string' ? item.holder : undefined,
    epoch: Number(item?.epoch ?? 0),
    attempts: Number(item?.attempts ?? 0),
    lastError: typeof item?.lastError === 'string' ? item.lastError : undefined,
    retryAt: Number(item?.retryAt ?? 0),
  };
}

/** Gives back a partition the consumer holds. */
export function releaseItem(tableName: string, key: GroupKey, partition: number, consumer: string): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: { gt: pk(key), sk: partitionSk(key, partition) },
      ConditionExpression: '#holder = :me',
      UpdateExpression: 'REMOVE #holder',
      ExpressionAttributeNames: { '#holder': 'holder' },
      ExpressionAttributeValues: { ':me': consumer },
    },
  };
}

/** The items of an assignment change: the member item (conditional on its version) and each partition moved. */
export function reassignItems(tableName: string, key: GroupKey, change: AssignmentChange): TransactItem[] {
  const names: Record<string, string> = { '#v': 'version', '#hme': `h:${change.consumer}` };
  const values: Record<string, unknown> = { ':v': change.version, ':one': 1, ':held': [...change.held] };
  if (change.expired.size > 0) values[':now'] = change.now;
  const conditions = ['#v = :v'];
  const sets = ['#v = #v + :one', '#hme = :held'];
  const removes: string[] = [];
  [...change.expired].forEach(([member, remaining], i) => {
    names[`#m${i}`] = `m:${member}`;
    names[`#h${i}`] = `h:${member}`;
    conditions.push(`#m${i} < :now`);
    if (remaining.length > 0) {
      values[`:h${i}`] = [...remaining];
      sets.push(`#h${i} = :h${i}`);
    } else {
      removes.push(`#h${i}`, `#m${i}`);
    }
  });
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tableName,
        Key: { gt: pk(key), sk: membersSk(key) },
        ConditionExpression: conditions.join(' AND '),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
  for (const { partition, from, initialOffset } of change.acquire) {
    items.push({
      Update: {
        TableName: tableName,
        Key: { gt: pk(key), sk: partitionSk(key, partition) },
        ConditionExpression: from
          ? 'attribute_not_exists(#holder) OR #holder IN (:me, :from)'
          : 'attribute_not_exists(#holder) OR #holder = :me',
        UpdateExpression:
          'SET #holder = :me, #epoch = if_not_exists(#epoch, :zero) + :one, #committed = if_not_exists(#committed, :initial), #attempts = if_not_exists(#attempts, :zero), #retryAt = if_not_exists(#retryAt, :zero)',
        ExpressionAttributeNames: {
          '#holder': 'holder',
          '#epoch': 'epoch',
          '#committed': 'committed',
          '#attempts': 'attempts',
          '#retryAt': 'retryAt',
        },
        ExpressionAttributeValues: {
          ':me': change.consumer,
          ':zero': 0,
          ':one': 1,
          ':initial': initialOffset,
          ...(from ? { ':from': from } : {}),
        },
      },
    });
  }
  for (const partition of change.release) items.push(releaseItem(tableName, key, partition, change.consumer));
  return items;
}

/**
 * The items of an offset reset: the member item (conditional on its version,
 * and on the members seen expired still being so) without the revoked
 * holdings, and each partition with its new committed offset, no holder, a
 * new epoch (stale read positions and delivered marks) and no failure count.
 */
export function resetItems(tableName: string, key: GroupKey, change: OffsetResetChange): TransactItem[] {
  const names: Record<string, string> = { '#v': 'version' };
  const values: Record<string, unknown> = { ':v': change.version, ':one': 1, ':zero': 0 };
  const conditions = [change.version === 0 ? '(attribute_not_exists(#v) OR #v = :v)' : '#v = :v'];
  const sets = ['#v = if_not_exists(#v, :zero) + :one'];
  [...change.revoke].forEach(([member, remaining], i) => {
    names[`#h${i}`] = `h:${member}`;
    values[`:h${i}`] = [...remaining];
    sets.push(`#h${i} = :h${i}`);
  });
  if (change.expired.length > 0) {
    values[':now'] = change.expiredBefore ?? 0;
    change.expired.forEach((member, i) => {
      names[`#m${i}`] = `m:${member}`;
      conditions.push(`#m${i} < :now`);
    });
  }
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tableName,
        Key: { gt: pk(key), sk: membersSk(key) },
        ConditionExpression: conditions.join(' AND '),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
  for (const { partition, committed } of change.offsets) {
    items.push({
      Update: {
        TableName: tableName,
        Key: { gt: pk(key), sk: partitionSk(key, partition) },
        UpdateExpression:
          'SET #committed = :committed, #epoch = if_not_exists(#epoch, :zero) + :one, #attempts = :zero, #retryAt = :zero REMOVE #holder, #lastError',
        ExpressionAttributeNames: {
          '#committed': 'committed',
          '#epoch': 'epoch',
          '#attempts': 'attempts',
          '#retryAt': 'retryAt',
          '#holder': 'holder',
          '#lastError': 'lastError',
        },
        ExpressionAttributeValues: { ':committed': committed, ':zero': 0, ':one': 1 },
      },
    });
  }
  return items;
}
