/**
 * The state of one share-partition (group, topic incarnation, partition), as
 * Kafka's share groups keep it (KIP-932): a start offset, below which every
 * record is done (accepted, dead-lettered or passed over by a filter), an end
 * of the window (`nextOffset`), from which records have never been acquired,
 * and between the two a compact list of in-flight ranges with their state,
 * lock and delivery count. Offsets in the window that no entry covers are
 * done. The whole value is one DynamoDB item, written conditionally on
 * `version`, so a receive of 100 records or an ack of 100 records is one
 * conditional write, whatever the number of consumers.
 *
 * Everything here is pure: the transitions (`transitions.ts`) explode the
 * window into per-offset slots (at most MAX_WINDOW_RECORDS of them), change
 * them, and compact them back into ranges.
 */
import { randomBytes } from 'node:crypto';

/** Kafka's cap on in-flight records per share-partition: the window never spans more. */
export const MAX_WINDOW_RECORDS = 2000;

export type SlotState = 'acquired' | 'available';

/** One in-flight record's state. */
export interface Slot {
  readonly state: SlotState;
  /** Acquisitions so far (lock expiries count: each acquisition is a delivery). */
  readonly deliveryCount: number;
  /** `acquired`: when the lock expires; `available`: not offered before this time (a release's delay). */
  readonly until: number;
  /** The lock's secret (acquired only; '' otherwise). */
  readonly secret: string;
}

/** A run of consecutive offsets with the same slot. */
export interface WindowEntry extends Slot {
  readonly from: number;
  readonly count: number;
}

export interface SharePartitionState {
  readonly partition: number;
  /** The stored version; 0 when the partition has no stored state yet. Every write bumps it. */
  readonly version: number;
  /** Lowest offset not yet done (Kafka's share-partition start offset). */
  readonly startOffset: number;
  /** Records from here on were never acquired (the window's end). */
  readonly nextOffset: number;
  /** In-flight ranges in offset order, within [startOffset, nextOffset). */
  readonly entries: readonly WindowEntry[];
  /** Records of this partition dead-lettered by the group so far. */
  readonly deadLettered: number;
  /** Consumers seen receiving, with the time until which they count as members. */
  readonly seen: Readonly<Record<string, number>>;
}

/** A fresh state starting at `offset` (the group's first receive on the partition). */
export function initialState(partition: number, offset: number): SharePartitionState {
  return { partition, version: 0, startOffset: offset, nextOffset: offset, entries: [], deadLettered: 0, seen: {} };
}

/** The window as offset → slot (only offsets still in flight). */
export function explode(state: SharePartitionState): Map<number, Slot> {
  const slots = new Map<number, Slot>();
  for (const { from, count, ...slot } of state.entries) {
    for (let offset = from; offset < from + count; offset++) slots.set(offset, slot);
  }
  return slots;
}

function sameSlot(a: Slot, b: Slot): boolean {
  return a.state === b.state && a.deliveryCount === b.deliveryCount && a.until === b.until && a.secret === b.secret;
}

/**
 * Ranges from slots, in offset order, merging neighbours with the same slot;
 * the start offset moves up to the first offset still in flight (or the
 * window's end when none is).
 */
export function compact(
  state: SharePartitionState,
  slots: ReadonlyMap<number, Slot>,
  nextOffset: number,
): Pick<SharePartitionState, 'startOffset' | 'nextOffset' | 'entries'> {
  const offsets = [...slots.keys()].filter((o) => o < nextOffset).sort((a, b) => a - b);
  const entries: WindowEntry[] = [];
  for (const offset of offsets) {
    const slot = slots.get(offset) as Slot;
    const last = entries[entries.length - 1];
    if (last && last.from + last.count === offset && sameSlot(last, slot)) {
      entries[entries.length - 1] = { ...last, count: last.count + 1 };
    } else {
      entries.push({ from: offset, count: 1, ...slot });
    }
  }
  const startOffset = Math.max(state.startOffset, offsets[0] ?? nextOffset);
  return { startOffset: Math.min(startOffset, nextOffset), nextOffset, entries };
}

/** Whether a slot may be handed out now: available and due, or acquired with an expired lock. */
export function isDue(slot: Slot, now: number): boolean {
  return slot.until <= now;
}

/** A lock's secret: 128 random bits. */
export function newSecret(): string {
  return randomBytes(16).toString('base64url');
}

/** What a lock token says; checked against the slot, never trusted alone. */
export interface LockToken {
  readonly partition: number;
  readonly offset: number;
  readonly deliveryCount: number;
  readonly secret: string;
}

/**
 * The token handed out with an acquired record: partition, offset and
 * delivery count in the clear (so an ack is checked against the one slot it
 * names, with no lookup table), and the lock's 128-bit secret, which no one
 * can guess. A later acquisition of the record has another secret and count,
 * so an old token is fenced.
 */
export function encodeToken(token: LockToken): string {
  return `${token.partition}.${token.offset}.${token.deliveryCount}.${token.secret}`;
}

export function decodeToken(text: string): LockToken | undefined {
  const match = /^(\d{1,4})\.(\d{1,16})\.(\d{1,9})\.([A-Za-z0-9_-]{22})$/.exec(text);
  if (!match) return undefined;
  return { partition: Number(match[1]), offset: Number(match[2]), deliveryCount: Number(match[3]), secret: match[4] as string };
}

/** Counts for describe: records locked now, and records waiting (neither locked nor done) up to `endOffset`. */
export function describeCounts(state: SharePartitionState, endOffset: number, now: number): { acquired: number; available: number } {
  let acquired = 0;
  let inFlight = 0;
  for (const entry of state.entries) {
    inFlight += entry.count;
    if (entry.state === 'acquired' && entry.until > now) acquired += entry.count;
  }
  const doneInWindow = state.nextOffset - state.startOffset - inFlight;
  const available = Math.max(0, endOffset - state.startOffset - doneInWindow - acquired);
  return { acquired, available };
}
