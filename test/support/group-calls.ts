/** Calls of the Consumer groups section of API.md over HTTP, shared by the groups e2e suites. */
import type { TargetSession } from './target';

export type Delivered = { partition: number; offset: number; key: string | null; value: unknown; headers: Record<string, string>; deliveryAttempt: number };
export type Assigned = { partition: number; leaseExpiresAt: number };

/** The group calls of one e2e session. */
export function groupCalls(session: TargetSession) {
  /** Produces `perPartition` records to each partition; values are `p{partition}-{i}`. */
  async function fill(topic: string, partitions: number, perPartition: number): Promise<void> {
    const records = Array.from({ length: partitions * perPartition }, (_, i) => ({
      key: `k${i}`,
      value: `p${i % partitions}-${Math.floor(i / partitions)}`,
      partition: i % partitions,
    }));
    expect((await session.target.client.post(`/v1/topics/${topic}/records`, { records })).status).toBe(200);
  }
  const poll = (group: string, body: Record<string, unknown>) => session.target.client.post(`/v1/groups/${group}/poll`, body);
  const commit = (group: string, body: Record<string, unknown>) => session.target.client.post(`/v1/groups/${group}/commit`, body);
  const nack = (group: string, body: Record<string, unknown>) => session.target.client.post(`/v1/groups/${group}/nack`, body);
  const describeGroup = (group: string, topic: string) => session.target.client.get(`/v1/groups/${group}?topic=${topic}`);
  /** Polls successfully and returns the records and the partitions held. */
  async function pollOk(group: string, topic: string, consumerId: string, extra: Record<string, unknown> = {}) {
    const response = await poll(group, { topic, consumerId, ...extra });
    expect(response.status).toBe(200);
    const records = response.body.records as Delivered[];
    const assignment = response.body.assignment as Assigned[];
    return { records, assignment, partitions: assignment.map((a) => a.partition).sort((a, b) => a - b) };
  }
  return { fill, poll, commit, nack, describeGroup, pollOk };
}

/** The offsets to commit after processing `records`: one past the last per partition. */
export function nextOffsets(records: readonly Delivered[]): Array<{ partition: number; offset: number }> {
  const next = new Map<number, number>();
  for (const r of records) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
  return [...next].map(([partition, offset]) => ({ partition, offset }));
}
