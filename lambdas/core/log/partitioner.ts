/**
 * Partition choice, as Kafka's default partitioner does it: a keyed record
 * goes to `(murmur2(utf8(key)) & 0x7fffffff) % partitions`, so a key lands on
 * the same partition number as it would in Kafka; records without a key are
 * "sticky" per request (all unkeyed records of one request go to one
 * partition, as KIP-480's sticky partitioner does per batch), and successive
 * requests rotate across the partitions. One request then costs one write
 * per partition it touches, not one per record.
 */

/** Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with seed 0x9747b28c, as a signed int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a key. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

/**
 * Picks the partition for the unkeyed records of one request: a per-container
 * counter starting at a random point, so concurrent containers do not all
 * start on partition 0.
 */
export class StickyPartitioner {
  private counter: number;

  constructor(seed = Math.floor(Math.random() * 0x7fffffff)) {
    this.counter = seed;
  }

  next(partitions: number): number {
    const partition = this.counter % partitions;
    this.counter = (this.counter + 1) % 0x7fffffff;
    return partition;
  }
}

export interface PartitionableRecord {
  key?: string | undefined;
  partition?: number | undefined;
}

/**
 * Assigns a partition to every record of a request: explicit partition
 * first, else the key's murmur2 partition, else the request's sticky partition.
 */
export function assignPartitions(
  records: readonly PartitionableRecord[],
  partitions: number,
  sticky: StickyPartitioner,
): number[] {
  let unkeyed: number | undefined;
  return records.map((record) => {
    if (record.partition !== undefined) return record.partition;
    if (record.key !== undefined) return partitionForKey(record.key, partitions);
    unkeyed ??= sticky.next(partitions);
    return unkeyed;
  });
}
