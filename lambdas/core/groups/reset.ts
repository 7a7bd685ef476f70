/**
 * Offset reset of a consumer group (Kafka's `kafka-consumer-groups
 * --reset-offsets`): moves the committed offsets of some partitions, in either
 * direction. Refused with GROUP_ACTIVE while a live consumer holds one of
 * them, unless forced; the reset revokes the leases on those partitions in
 * the same transaction that writes the offsets, so a former holder's later
 * commit is fenced (NOT_LEASE_HOLDER) and cannot undo it, and the holder's
 * next poll takes the partition again from the new offset.
 */
import { GroupActiveError, PartitionNotFoundError, UnavailableError } from '../errors';
import type { GroupKey, GroupPartition, GroupView } from '../ports';
import type { Topic } from '../types';
import { groupKey, type GroupContext } from './context';

/** Where to move the committed offsets. */
export type ResetTarget =
  | 'earliest'
  | 'latest'
  | { readonly offset: number }
  | { readonly timestamp: number }
  | { readonly shiftBy: number };

export interface ResetRequest {
  group: string;
  topic: string;
  to: ResetTarget;
  /** Default: every partition of the topic. */
  partitions?: readonly number[] | undefined;
  force?: boolean | undefined;
  /** Computes and answers the plan without writing anything. */
  dryRun?: boolean | undefined;
}

export interface ResetOffset {
  partition: number;
  /** The committed offset after the reset. */
  committedOffset: number;
  /** The committed offset before it (null when the group never consumed the partition). */
  previousOffset: number | null;
}

export interface ResetResult {
  group: string;
  topic: string;
  offsets: ResetOffset[];
}

/** Partitions per transaction: the member item and 99 partition items. */
const RESET_CHUNK = 99;
const RESET_ATTEMPTS = 5;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** The new committed offset of one partition. */
async function target(context: GroupContext, topic: Topic, state: GroupPartition, to: ResetTarget): Promise<number> {
  const marks = await context.topics.partitionState(topic, state.partition, true);
  const end = await context.log.endOffset(topic, state.partition, { consistent: true });
  const start = Math.min(marks.startOffset, end);
  if (to === 'earliest') return start;
  if (to === 'latest') return end;
  if ('offset' in to) return clamp(to.offset, start, end);
  if ('shiftBy' in to) return clamp((state.committed ?? start) + to.shiftBy, start, end);
  const found = await context.log.offsetForTimestamp(topic, state.partition, to.timestamp, marks.startOffset, marks.archivedOffset);
  return clamp(found, start, end);
}

/** Members holding some of `partitions`: what each keeps, and which of them are live now. */
function holders(view: GroupView | undefined, partitions: ReadonlySet<number>, now: number) {
  const revoke = new Map<string, number[]>();
  const live: string[] = [];
  const expired: string[] = [];
  for (const [member, state] of view?.members ?? []) {
    if (!state.held.some((p) => partitions.has(p))) continue;
    revoke.set(member, state.held.filter((p) => !partitions.has(p)));
    (state.expiresAt > now ? live : expired).push(member);
  }
  return { revoke, live, expired };
}

async function resetChunk(
  context: GroupContext,
  topic: Topic,
  key: GroupKey,
  request: ResetRequest,
  chunk: readonly number[],
): Promise<ResetOffset[]> {
  const wanted = new Set(chunk);
  for (let attempt = 0; attempt < RESET_ATTEMPTS; attempt++) {
    const { view, partitions } = await context.groups.describe(key);
    const now = context.now();
    const { revoke, live, expired } = holders(view, wanted, now);
    if (live.length > 0 && !request.force) throw new GroupActiveError(request.group, topic.name, live);
    const byPartition = new Map(partitions.map((p) => [p.partition, p]));
    const offsets = await Promise.all(
      chunk.map(async (partition) => {
        const state = byPartition.get(partition) ?? { partition, committed: undefined } as GroupPartition;
        return { partition, committedOffset: await target(context, topic, state, request.to), previousOffset: state.committed ?? null };
      }),
    );
    if (request.dryRun) return offsets;
    const done = await context.groups.resetOffsets(key, {
      version: view?.version ?? 0,
      revoke,
      // A forced reset revokes whoever holds the partitions; otherwise only members that are still expired.
      expired: request.force ? [] : expired,
      expiredBefore: now,
      offsets: offsets.map((o) => ({ partition: o.partition, committed: o.committedOffset })),
    });
    if (done) return offsets;
    await context.sleep(Math.random() * 50 * (attempt + 1));
  }
  throw new UnavailableError(`Group '${request.group}' (it kept changing)`);
}

/** Resets the group's committed offsets; atomic per 99 partitions. */
export async function resetOffsets(context: GroupContext, request: ResetRequest): Promise<ResetResult> {
  const { topic, key } = await groupKey(context, request.group, request.topic);
  const partitions = [...new Set(request.partitions ?? Array.from({ length: topic.partitions }, (_, p) => p))].sort((a, b) => a - b);
  for (const partition of partitions) {
    if (partition >= topic.partitions) throw new PartitionNotFoundError(topic.name, partition, topic.partitions);
  }
  const offsets: ResetOffset[] = [];
  for (let i = 0; i < partitions.length; i += RESET_CHUNK) {
    offsets.push(...(await resetChunk(context, topic, key, request, partitions.slice(i, i + RESET_CHUNK))));
  }
  return { group: request.group, topic: topic.name, offsets };
}
