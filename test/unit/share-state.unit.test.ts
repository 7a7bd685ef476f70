import { decodeToken, describeCounts, encodeToken, explode, initialState, MAX_WINDOW_RECORDS, type SharePartitionState } from '../../lambdas/core/share/state';
import { applyAcks, applyReceive, applyReset, planReceive, raiseStart, type Ack } from '../../lambdas/core/share/transitions';
import { decodeEntries, encodeEntries } from '../../lambdas/store/share-store';

const NOW = 1_000_000;
const SECRET = 'A'.repeat(22);
const OTHER = 'B'.repeat(22);

/** A state with offsets [from, to) acquired by one receive at NOW (lock 30 s). */
function acquired(from: number, to: number, secret = SECRET): SharePartitionState {
  const offsets = Array.from({ length: to - from }, (_, i) => from + i);
  return applyReceive(initialState(0, from), NOW, {
    acquired: offsets,
    done: [],
    deadLettered: [],
    nextOffset: to,
    lockMs: 30_000,
    secret,
    consumerId: 'c1',
  });
}

const token = (offset: number, deliveryCount = 1, secret = SECRET) => encodeToken({ partition: 0, offset, deliveryCount, secret });
const ack = (offset: number, type: Ack['type'], extra: Partial<Ack> = {}): Ack => ({ offset, lockToken: token(offset), type, ...extra });

describe('Share-partition state machine', () => {
  it('keeps a receive of 100 records as one range and plans new records after the window', () => {
    const state = acquired(0, 100);
    expect(state.entries).toHaveLength(1);
    expect(state).toMatchObject({ startOffset: 0, nextOffset: 100, version: 1 });
    expect(planReceive(state, NOW, 10, 5)).toEqual({ redeliver: [], deadLetter: [], newFrom: 100, newCount: 10 });
  });

  it('moves the start offset only past records that are done', () => {
    const state = acquired(0, 10);
    const outcome = applyAcks(state, NOW + 1, [ack(1, 'accept'), ack(2, 'accept')], 5);
    expect(outcome.results).toEqual(['accepted', 'accepted']);
    expect(outcome.state.startOffset).toBe(0);
    const next = applyAcks(outcome.state, NOW + 2, [ack(0, 'accept')], 5);
    expect(next.state.startOffset).toBe(3);
    expect(explode(next.state).has(1)).toBe(false);
  });

  it('answers lock-lost for a stale secret, another offset, an expired lock or a garbled token, and changes nothing', () => {
    const state = acquired(0, 3);
    const acks: Ack[] = [
      { offset: 0, lockToken: token(0, 1, OTHER), type: 'accept' },
      { offset: 1, lockToken: token(2), type: 'accept' },
      { offset: 2, lockToken: token(2, 2), type: 'accept' },
      { offset: 2, lockToken: 'nonsense', type: 'accept' },
    ];
    const outcome = applyAcks(state, NOW + 1, acks, 5);
    expect(outcome.results).toEqual(['lock-lost', 'lock-lost', 'lock-lost', 'lock-lost']);
    expect(outcome.changed).toBe(false);
    expect(applyAcks(state, NOW + 30_000, [ack(0, 'accept')], 5).results).toEqual(['lock-lost']);
  });

  it('offers a released record again after its delay, keeping its delivery count', () => {
    const released = applyAcks(acquired(0, 1), NOW + 1, [ack(0, 'release', { delayMs: 5000 })], 5).state;
    expect(planReceive(released, NOW + 2, 10, 5).redeliver).toEqual([]);
    expect(planReceive(released, NOW + 5001, 10, 5).redeliver).toEqual([0]);
    const again = applyReceive(released, NOW + 5001, { acquired: [0], done: [], deadLettered: [], nextOffset: 1, lockMs: 1000, secret: OTHER, consumerId: undefined });
    expect(explode(again).get(0)?.deliveryCount).toBe(2);
  });

  it('dead-letters a release at the delivery limit, a reject at once, and an expired lock at the limit at the next receive', () => {
    let state = acquired(0, 3);
    const outcome = applyAcks(state, NOW + 1, [ack(0, 'reject', { error: 'bad' })], 1);
    expect(outcome.results).toEqual(['dead-lettered']);
    expect(outcome.deadLetters).toEqual([{ offset: 0, deliveryCount: 1, error: 'bad' }]);
    expect(applyAcks(state, NOW + 1, [ack(1, 'release')], 1).results).toEqual(['dead-lettered']);
    state = outcome.state;
    expect(state.deadLettered).toBe(1);
    const plan = planReceive(state, NOW + 31_000, 10, 1);
    expect(plan.deadLetter).toEqual([1, 2]);
    expect(plan.redeliver).toEqual([]);
  });

  it('renews a lock from now, and the same token stays valid', () => {
    const renewed = applyAcks(acquired(0, 2), NOW + 20_000, [ack(0, 'renew', { lockMs: 60_000 })], 5);
    expect(renewed.results).toEqual(['renewed']);
    expect(renewed.state.entries.map((e) => e.count)).toEqual([1, 1]);
    expect(applyAcks(renewed.state, NOW + 70_000, [ack(0, 'accept'), ack(1, 'accept')], 5).results).toEqual(['accepted', 'lock-lost']);
  });

  it('caps the window at 2000 records from the start offset', () => {
    const state = acquired(0, MAX_WINDOW_RECORDS - 5);
    expect(planReceive(state, NOW, 100, 5).newCount).toBe(5);
  });

  it('counts acquired and available records for describe', () => {
    const state = applyAcks(acquired(10, 20), NOW + 1, [ack(12, 'accept'), ack(13, 'release')], 5).state;
    // 25 records in [10, 35): 1 done, 8 locked, 16 waiting (the released one and the 15 after the window).
    expect(describeCounts(state, 35, NOW + 2)).toEqual({ acquired: 8, available: 16 });
  });

  it('resets forward keeping later locks, and backward dropping every lock', () => {
    const state = acquired(0, 10);
    const forward = applyReset(state, 5);
    expect(forward).toMatchObject({ startOffset: 5, nextOffset: 10 });
    expect(explode(forward).has(4)).toBe(false);
    expect(explode(forward).get(5)?.state).toBe('acquired');
    const backward = applyReset(forward, 2);
    expect(backward).toMatchObject({ startOffset: 2, nextOffset: 2, entries: [] });
    expect(applyAcks(backward, NOW + 1, [ack(5, 'accept')], 5).results).toEqual(['lock-lost']);
  });

  it('treats records retention removed as done', () => {
    expect(raiseStart(acquired(0, 10), 4)).toMatchObject({ startOffset: 4, nextOffset: 10 });
    expect(raiseStart(acquired(0, 10), 40)).toMatchObject({ startOffset: 40, nextOffset: 40, entries: [] });
  });

  it('round-trips tokens and the stored window encoding', () => {
    const text = token(42, 3);
    expect(decodeToken(text)).toEqual({ partition: 0, offset: 42, deliveryCount: 3, secret: SECRET });
    const state = applyAcks(acquired(0, 5), NOW + 1, [ack(2, 'release', { delayMs: 10 })], 5).state;
    expect(decodeEntries(encodeEntries(state.entries))).toEqual(state.entries);
    expect(decodeEntries('')).toEqual([]);
  });

  it('stays far under the 400 KB item limit with the window fully fragmented', () => {
    let state = acquired(0, MAX_WINDOW_RECORDS);
    const acks = Array.from({ length: MAX_WINDOW_RECORDS / 2 }, (_, i) => ack(i * 2, 'release', { delayMs: i }));
    state = applyAcks(state, NOW + 1, acks, 5).state;
    expect(state.entries.length).toBe(MAX_WINDOW_RECORDS);
    expect(Buffer.byteLength(encodeEntries(state.entries))).toBeLessThan(120_000);
  });
});
