/** The "Consumer groups: range checks and offset reset" section of API.md, driven over HTTP as a client would. */
import { ApiClient, expectError, uniqueName } from '../support/http';
import { groupCalls, nextOffsets } from '../support/group-calls';
import { useTarget } from '../support/target';

const session = useTarget('group-offsets');
const { createTopic } = session;
const { fill, commit, nack, describeGroup, pollOk } = groupCalls(session);

describe('Range checks and offset reset', () => {
  const reset = (group: string, body: Record<string, unknown>) => session.target.client.post(`/v1/groups/${group}/offsets/reset`, body);
  const committedOffsets = async (group: string, topic: string) =>
    (await describeGroup(group, topic)).body.partitions.map((p: { committedOffset: number | null }) => p.committedOffset);

  it('answers 416 with startOffset and endOffset to a commit past the end, refusing a multi-partition commit as a whole', async () => {
    const topic = await createTopic(2);
    await fill(topic, 2, 4);
    const group = uniqueName('range');
    await pollOk(group, topic, 'c1');
    const refused = expectError(await commit(group, { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 999 }] }), 416, 'OFFSET_OUT_OF_RANGE');
    expect(refused.body).toMatchObject({ startOffset: 0, endOffset: 4 });
    const whole = { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 2 }, { partition: 1, offset: 5 }] };
    expectError(await commit(group, whole), 416, 'OFFSET_OUT_OF_RANGE');
    expect(await committedOffsets(group, topic)).toEqual([0, 0]);
    expectError(await nack(group, { topic, consumerId: 'c1', partition: 1, offset: 4 }), 416, 'OFFSET_OUT_OF_RANGE');
  });

  it('resets offsets (200), refuses a live group with 409 GROUP_ACTIVE, and a forced reset fences the holder (409 NOT_LEASE_HOLDER)', async () => {
    const topic = await createTopic(2);
    await fill(topic, 2, 6);
    const group = uniqueName('reset');
    const { records } = await pollOk(group, topic, 'holder');
    expect(records).toHaveLength(12);
    expect((await commit(group, { topic, consumerId: 'holder', offsets: nextOffsets(records) })).status).toBe(200);

    const active = expectError(await reset(group, { topic, to: 'earliest' }), 409, 'GROUP_ACTIVE');
    expect(active.body.consumers).toEqual(['holder']);
    expect(await committedOffsets(group, topic)).toEqual([6, 6]);

    const plan = await reset(group, { topic, to: { shiftBy: -4 }, force: true, dryRun: true });
    expect(plan.status).toBe(200);
    expect(plan.body).toEqual({ group, topic, dryRun: true, offsets: [0, 1].map((partition) => ({ partition, committedOffset: 2, previousOffset: 6 })) });
    expect(await committedOffsets(group, topic)).toEqual([6, 6]);

    const forced = await reset(group, { topic, to: { offset: 1 }, partitions: [1], force: true });
    expect(forced.status).toBe(200);
    expect(forced.body).toEqual({ group, topic, offsets: [{ partition: 1, committedOffset: 1, previousOffset: 6 }] });
    expectError(await commit(group, { topic, consumerId: 'holder', offsets: [{ partition: 1, offset: 6 }] }), 409, 'NOT_LEASE_HOLDER');
    expect(await committedOffsets(group, topic)).toEqual([6, 1]);
    // The holder's next poll takes partition 1 again and gets the records from offset 1.
    const again = await pollOk(group, topic, 'holder');
    expect(again.partitions).toEqual([0, 1]);
    expect(again.records.map((r) => `${r.partition}:${r.offset}`)).toEqual(['1:1', '1:2', '1:3', '1:4', '1:5']);

    const latest = await reset(group, { topic, to: 'latest', force: true });
    expect(latest.body.offsets.map((o: { committedOffset: number }) => o.committedOffset)).toEqual([6, 6]);
    const byTime = await reset(group, { topic, to: { timestamp: 0 }, force: true });
    expect(byTime.body.offsets.map((o: { committedOffset: number }) => o.committedOffset)).toEqual([0, 0]);
  });

  it.each([
    [{ to: 'earliest' }, 'topic'],
    [{ topic: 'x' }, 'to'],
    [{ topic: 'x', to: 'sideways' }, 'to'],
    [{ topic: 'x', to: { offset: -1 } }, 'to.offset'],
    [{ topic: 'x', to: { offset: 1.5 } }, 'to.offset'],
    [{ topic: 'x', to: { timestamp: 'noon' } }, 'to.timestamp'],
    [{ topic: 'x', to: { shiftBy: 1, offset: 2 } }, 'to'],
    [{ topic: 'x', to: { backwards: 1 } }, 'to'],
    [{ topic: 'x', to: 'earliest', partitions: [-1] }, 'partitions[0]'],
    [{ topic: 'x', to: 'earliest', partitions: [] }, 'partitions'],
    [{ topic: 'x', to: 'earliest', force: 'yes' }, 'force'],
    [{ topic: 'x', to: 'earliest', dryRun: 1 }, 'dryRun'],
    [{ topic: 'x', to: 'earliest', extra: true }, 'extra'],
  ])('answers 400 naming the field to the reset body %j', async (body, field) => {
    const response = expectError(await reset(uniqueName('bad'), body), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
  });

  it('needs the admin permission on the topic: a consume-only token gets 403', async () => {
    const topic = await createTopic(1);
    const minted = await session.target.client.post('/v1/tokens', { name: uniqueName('consumer'), permissions: [{ topics: topic, actions: ['consume'] }] });
    expect(minted.status).toBe(201);
    try {
      const consumerOnly = new ApiClient(session.target.client.baseUrl, minted.body.token);
      expect((await consumerOnly.post(`/v1/groups/g/poll`, { topic, consumerId: 'c' })).status).toBe(200);
      expectError(await consumerOnly.post(`/v1/groups/g/offsets/reset`, { topic, to: 'earliest' }), 403, 'FORBIDDEN');
    } finally {
      await session.target.client.delete(`/v1/tokens/${minted.body.id}`);
    }
  });

  it('answers 404 PARTITION_NOT_FOUND to a reset of a partition the topic does not have', async () => {
    const topic = await createTopic(1);
    expectError(await reset(uniqueName('nopart'), { topic, to: 'earliest', partitions: [3] }), 404, 'PARTITION_NOT_FOUND');
  });
});
