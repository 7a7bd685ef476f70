/**
 * The share-partition state machine, as pure functions from one state value
 * to the next. The service reads the state, plans, reads the records the plan
 * names, applies, and writes the result conditional on the version it read:
 * each function here sees one consistent state and returns the next, so two
 * writers can never both apply a change to the same version.
 */
import {
  compact,
  decodeToken,
  explode,
  isDue,
  MAX_WINDOW_RECORDS,
  type SharePartitionState,
  type Slot,
} from './state';

/** Records dead-lettered in one conditional write (one transaction with the state update). */
export const DEAD_LETTERS_PER_WRITE = 25;
/** The most consumers a partition state remembers as members. */
export const MAX_SEEN_CONSUMERS = 100;
/** A consumer that received counts as a member at least this long (longer while its lock lives). */
export const MEMBER_TTL_MS = 30_000;

export interface ReceivePlan {
  /** Offsets in the window to hand out again, in offset order (due releases and expired locks). */
  readonly redeliver: readonly number[];
  /** Offsets whose lock expired at the delivery limit: dead-letter them, never hand them out. */
  readonly deadLetter: readonly number[];
  /** New records to read from `newFrom` on (never acquired before). */
  readonly newFrom: number;
  readonly newCount: number;
}

/** What a receive may take from this state now, at most `max` records, in offset order. */
export function planReceive(state: SharePartitionState, now: number, max: number, maxDeliveryAttempts: number): ReceivePlan {
  const redeliver: number[] = [];
  const deadLetter: number[] = [];
  const slots = explode(state);
  for (const offset of [...slots.keys()].sort((a, b) => a - b)) {
    const slot = slots.get(offset) as Slot;
    if (!isDue(slot, now)) continue;
    if (slot.deliveryCount >= maxDeliveryAttempts) {
      if (deadLetter.length < DEAD_LETTERS_PER_WRITE) deadLetter.push(offset);
    } else if (redeliver.length < max) {
      redeliver.push(offset);
    }
  }
  const room = state.startOffset + MAX_WINDOW_RECORDS - state.nextOffset;
  const newCount = Math.max(0, Math.min(max - redeliver.length, room));
  return { redeliver, deadLetter, newFrom: state.nextOffset, newCount };
}

export interface ReceiveOutcome {
  /** Offsets acquired by this receive (in the window or new). */
  readonly acquired: readonly number[];
  /** Offsets that are done without delivery (a filter passed them over, or they no longer exist). */
  readonly done: readonly number[];
  /** Offsets dead-lettered in the same write. */
  readonly deadLettered: readonly number[];
  /** The window's end after the receive: new records up to here were read (acquired or done). */
  readonly nextOffset: number;
  readonly lockMs: number;
  readonly secret: string;
  readonly consumerId: string | undefined;
}

/** The state after a receive; acquired records get the lock and one more delivery. */
export function applyReceive(state: SharePartitionState, now: number, outcome: ReceiveOutcome): SharePartitionState {
  const slots = explode(state);
  const nextOffset = Math.max(state.nextOffset, outcome.nextOffset);
  for (let offset = state.nextOffset; offset < nextOffset; offset++) {
    slots.set(offset, { state: 'available', deliveryCount: 0, until: 0, secret: '' });
  }
  for (const offset of [...outcome.done, ...outcome.deadLettered]) slots.delete(offset);
  for (const offset of outcome.acquired) {
    const before = slots.get(offset)?.deliveryCount ?? 0;
    slots.set(offset, { state: 'acquired', deliveryCount: before + 1, until: now + outcome.lockMs, secret: outcome.secret });
  }
  return {
    ...state,
    ...compact(state, slots, nextOffset),
    version: state.version + 1,
    deadLettered: state.deadLettered + outcome.deadLettered.length,
    seen: outcome.consumerId ? remember(state.seen, outcome.consumerId, now + Math.max(outcome.lockMs, MEMBER_TTL_MS), now) : prune(state.seen, now),
  };
}

function prune(seen: Readonly<Record<string, number>>, now: number): Record<string, number> {
  return Object.fromEntries(Object.entries(seen).filter(([, until]) => until > now));
}

function remember(seen: Readonly<Record<string, number>>, consumer: string, until: number, now: number): Record<string, number> {
  const live = prune(seen, now);
  live[consumer] = Math.max(until, live[consumer] ?? 0);
  const newest = Object.entries(live).sort((a, b) => b[1] - a[1]).slice(0, MAX_SEEN_CONSUMERS);
  return Object.fromEntries(newest);
}

export type AckType = 'accept' | 'release' | 'reject' | 'renew';
export type AckStatus = 'accepted' | 'released' | 'dead-lettered' | 'renewed' | 'lock-lost';

export interface Ack {
  readonly offset: number;
  readonly lockToken: string;
  readonly type: AckType;
  readonly error?: string | undefined;
  /** release: wait this long before offering the record again. */
  readonly delayMs?: number | undefined;
  /** renew: the new lock lasts this long from now. */
  readonly lockMs?: number | undefined;
}

export interface PendingDeadLetter {
  readonly offset: number;
  readonly deliveryCount: number;
  readonly error: string;
}

export interface AckOutcome {
  readonly state: SharePartitionState;
  readonly results: readonly AckStatus[];
  readonly deadLetters: readonly PendingDeadLetter[];
  /** False when every ack was lock-lost: nothing to write. */
  readonly changed: boolean;
}

/** Default lock extension of a `renew` without `lockMs`. */
export const DEFAULT_LOCK_MS = 30_000;

/** Whether `token` is the live lock of `offset` in `slots`. */
function holds(slots: ReadonlyMap<number, Slot>, partition: number, ack: Ack, now: number): Slot | undefined {
  const token = decodeToken(ack.lockToken);
  const slot = slots.get(ack.offset);
  if (!token || !slot || slot.state !== 'acquired' || slot.until <= now) return undefined;
  if (token.partition !== partition || token.offset !== ack.offset) return undefined;
  return token.secret === slot.secret && token.deliveryCount === slot.deliveryCount ? slot : undefined;
}

/**
 * Applies acks of one partition in request order. An ack whose token is not
 * the record's live lock is `lock-lost` and changes nothing.
 */
export function applyAcks(state: SharePartitionState, now: number, acks: readonly Ack[], maxDeliveryAttempts: number): AckOutcome {
  const slots = explode(state);
  const results: AckStatus[] = [];
  const deadLetters: PendingDeadLetter[] = [];
  for (const ack of acks) {
    const slot = holds(slots, state.partition, ack, now);
    if (!slot) {
      results.push('lock-lost');
      continue;
    }
    if (ack.type === 'accept') {
      slots.delete(ack.offset);
      results.push('accepted');
    } else if (ack.type === 'renew') {
      slots.set(ack.offset, { ...slot, until: now + (ack.lockMs ?? DEFAULT_LOCK_MS) });
      results.push('renewed');
    } else if (ack.type === 'reject' || slot.deliveryCount >= maxDeliveryAttempts) {
      slots.delete(ack.offset);
      const error = ack.error ?? (ack.type === 'reject' ? 'rejected' : `released after ${slot.deliveryCount} deliveries`);
      deadLetters.push({ offset: ack.offset, deliveryCount: slot.deliveryCount, error });
      results.push('dead-lettered');
    } else {
      slots.set(ack.offset, { state: 'available', deliveryCount: slot.deliveryCount, until: now + (ack.delayMs ?? 0), secret: '' });
      results.push('released');
    }
  }
  const changed = results.some((r) => r !== 'lock-lost');
  if (!changed) return { state, results, deadLetters, changed };
  const next: SharePartitionState = {
    ...state,
    ...compact(state, slots, state.nextOffset),
    version: state.version + 1,
    deadLettered: state.deadLettered + deadLetters.length,
  };
  return { state: next, results, deadLetters, changed };
}

/**
 * Moves the start offset to `to`. Forward: records below `to` are done and
 * their locks dropped; records from `to` on keep their state. Backward: every
 * record from `to` on is offered again from scratch (delivery counts restart)
 * and every lock is dropped, so their tokens get `lock-lost`.
 */
export function applyReset(state: SharePartitionState, to: number): SharePartitionState {
  if (to >= state.startOffset) {
    const slots = explode(state);
    for (const offset of slots.keys()) if (offset < to) slots.delete(offset);
    const nextOffset = Math.max(state.nextOffset, to);
    return { ...state, ...compact({ ...state, startOffset: to }, slots, nextOffset), version: state.version + 1 };
  }
  return { ...state, startOffset: to, nextOffset: to, entries: [], version: state.version + 1 };
}

/** Retention removed records below `partitionStart`: they are gone, so they are done for the group. */
export function raiseStart(state: SharePartitionState, partitionStart: number): SharePartitionState {
  if (partitionStart <= state.startOffset) return state;
  const slots = explode(state);
  for (const offset of slots.keys()) if (offset < partitionStart) slots.delete(offset);
  const nextOffset = Math.max(state.nextOffset, partitionStart);
  return { ...state, ...compact({ ...state, startOffset: partitionStart }, slots, nextOffset) };
}
