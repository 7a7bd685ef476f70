import { assignPartitions, murmur2, partitionForKey, StickyPartitioner } from '../../lambdas/core/log/partitioner';

describe('murmur2', () => {
  // The vectors of Apache Kafka's UtilsTest.testMurmur2: a key hashes here exactly as in a Java producer.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %j to Kafka’s value %d', (input, expected) => {
    expect(murmur2(Buffer.from(input, 'utf8'))).toBe(expected);
  });
});

describe('partitionForKey', () => {
  it('uses the positive hash modulo the partition count', () => {
    expect(partitionForKey('foobar', 7)).toBe((-790332482 & 0x7fffffff) % 7);
  });

  it('hashes the UTF-8 bytes of the key', () => {
    const key = 'ключ-🔑';
    expect(partitionForKey(key, 1000)).toBe((murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % 1000);
  });
});

describe('assignPartitions', () => {
  it('honours explicit partitions, hashes keys, and sends all unkeyed records of a request to one partition', () => {
    const sticky = new StickyPartitioner(5);
    const out = assignPartitions([{ partition: 2 }, { key: 'foobar' }, {}, {}, { key: 'foobar', partition: 0 }], 4, sticky);
    expect(out).toEqual([2, partitionForKey('foobar', 4), 1, 1, 0]);
  });

  it('rotates the unkeyed partition from one request to the next', () => {
    const sticky = new StickyPartitioner(0);
    const seen = Array.from({ length: 6 }, () => assignPartitions([{}], 3, sticky)[0]);
    expect(seen).toEqual([0, 1, 2, 0, 1, 2]);
  });
});
