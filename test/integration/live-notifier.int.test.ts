/**
 * The live notifier and the connections table against DynamoDB Local: the
 * coalescing bound holds across several dispatcher containers (separate
 * LiveNotifier instances sharing only the table), the final offsets always
 * arrive, and a gone connection is forgotten.
 */
import { DynamoConnectionStore } from '../../lambdas/store/connection-store';
import { LiveNotifier } from '../../lambdas/core/live/notifier';
import type { ConnectionPoster, NotificationClaim, PartitionEnds } from '../../lambdas/core/live/ports';
import type { LogAppend } from '../../lambdas/core/log/appends';
import type { LiveServerMessage } from '../../packages/client/src/protocol/live';
import { createTestTables } from '../support/backends';

let store: DynamoConnectionStore;

beforeAll(async () => {
  const tables = await createTestTables();
  store = new DynamoConnectionStore(tables.clients.documents, tables.config.tables.connections!);
});

let counter = 0;
async function watcher(topic: string): Promise<string> {
  const connectionId = `conn-${++counter}-${Date.now()}`;
  const expiresAt = Date.now() + 60_000;
  await store.putConnection({ connectionId, tokenId: 'tok', connectedAt: Date.now(), expiresAt, topics: [] });
  expect(await store.putWatch({ topic, connectionId, tokenId: 'tok', group: undefined, expiresAt })).toBe(true);
  return connectionId;
}

function recordingPoster(gone = new Set<string>()): ConnectionPoster & { sent: Array<{ id: string; message: LiveServerMessage }> } {
  const sent: Array<{ id: string; message: LiveServerMessage }> = [];
  return {
    sent,
    post: async (id, message) => {
      if (gone.has(id)) return 'gone';
      sent.push({ id, message });
      return 'sent';
    },
  };
}

/** The store, recording the second of every successful claim. */
function recordingStore(): DynamoConnectionStore & { claims: Array<{ key: string; second: number }> } {
  const claims: Array<{ key: string; second: number }> = [];
  return Object.assign(Object.create(store) as DynamoConnectionStore, {
    claims,
    async claimNotification(topic: string, id: string, second: number, ends: PartitionEnds): Promise<NotificationClaim> {
      const claim = await store.claimNotification(topic, id, second, ends);
      if (claim.claimed) claims.push({ key: `${topic}/${id}`, second });
      return claim;
    },
  });
}

function append(topic: string, partition: number, baseOffset: number, count = 1): LogAppend {
  return { topic, topicId: 'id1', partition, baseOffset, count, appendedAt: Date.now() };
}

describe('Class: DynamoConnectionStore', () => {
  it('lets exactly one of many concurrent claims of the same second win', async () => {
    const id = await watcher('claims');
    const second = Math.floor(Date.now() / 1000);
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => store.claimNotification('claims', id, second, { 0: i })));
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    const losers = claims.filter((c): c is Extract<NotificationClaim, { claimed: false }> => !c.claimed);
    expect(new Set(losers.map((c) => c.second))).toEqual(new Set([second]));
    expect((await store.claimNotification('claims', id, second + 1, { 0: 99 })).claimed).toBe(true);
  });

  it('refuses a claim for a watch that is gone', async () => {
    const id = await watcher('gone-watch');
    await store.deleteWatch('gone-watch', id);
    expect(await store.claimNotification('gone-watch', id, 1, { 0: 1 })).toEqual({ claimed: false, second: undefined, ends: {} });
  });

  it('deletes a connection with all its watches', async () => {
    const id = await watcher('t-a');
    await store.putWatch({ topic: 't-b', connectionId: id, tokenId: 'tok', group: 'g', expiresAt: Date.now() + 60_000 });
    expect([...((await store.getConnection(id))?.topics ?? [])].sort()).toEqual(['t-a', 't-b']);
    await store.deleteConnection(id);
    expect(await store.getConnection(id)).toBeUndefined();
    expect((await store.watchers('t-a')).map((w) => w.connectionId)).not.toContain(id);
    expect((await store.watchers('t-b')).map((w) => w.connectionId)).not.toContain(id);
    expect(await store.putWatch({ topic: 't-c', connectionId: id, tokenId: 'tok', group: undefined, expiresAt: 0 })).toBe(false);
  });
});

describe('Class: LiveNotifier', () => {
  it('sends at most one notification per connection, topic and second across three containers, and the final offsets arrive', async () => {
    const topic = 'burst';
    const ids = await Promise.all([watcher(topic), watcher(topic)]);
    const recording = recordingStore();
    const poster = recordingPoster();
    const containers = [0, 1, 2].map(() => new LiveNotifier(recording, poster));
    // 3 containers × 40 appends on 2 partitions, in small stream batches, all at once.
    let next = [0, 0];
    const batches: Promise<void>[] = [];
    for (let i = 0; i < 120; i += 1) {
      const partition = i % 2;
      const base = next[partition]!;
      next = partition === 0 ? [base + 1, next[1]!] : [next[0]!, base + 1];
      batches.push(containers[i % 3]!.onAppends([append(topic, partition, base)]));
    }
    await Promise.all(batches);

    for (const id of ids) {
      const seconds = recording.claims.filter((c) => c.key === `${topic}/${id}`).map((c) => c.second);
      expect(new Set(seconds).size).toBe(seconds.length);
      const mine = poster.sent.filter((s) => s.id === id).map((s) => s.message);
      expect(mine.length).toBe(seconds.length);
      const latest: Record<number, number> = {};
      for (const m of mine) {
        if (m.type !== 'records') throw new Error(`unexpected ${m.type}`);
        for (const p of m.partitions) latest[p.partition] = Math.max(latest[p.partition] ?? 0, p.endOffset);
      }
      expect(latest).toEqual({ 0: 60, 1: 60 });
    }
  });

  it('deletes a connection whose post says gone, and still notifies the others', async () => {
    const topic = 'gone-post';
    const [lost, kept] = [await watcher(topic), await watcher(topic)];
    const poster = recordingPoster(new Set([lost]));
    await new LiveNotifier(store, poster).onAppends([append(topic, 0, 0, 3)]);
    expect(poster.sent).toEqual([{ id: kept, message: { type: 'records', topic, partitions: [{ partition: 0, endOffset: 3 }] } }]);
    expect(await store.getConnection(lost)).toBeUndefined();
    expect((await store.watchers(topic)).map((w) => w.connectionId)).toEqual([kept]);
  });

  it('ignores appends of another incarnation of the topic', async () => {
    const topic = 'reborn';
    await watcher(topic);
    const poster = recordingPoster();
    const notifier = new LiveNotifier(store, poster, { currentTopicId: async () => 'id2' });
    await notifier.onAppends([append(topic, 0, 0)]);
    expect(poster.sent).toEqual([]);
  });
});
