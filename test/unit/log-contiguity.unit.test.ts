import { takeContiguous } from '../../lambdas/core/log/log';

const item = (offset: number, count: number) => ({ offset, count, maxTimestamp: 0, bytes: 0, appendedAt: 0 });

describe('takeContiguous', () => {
  it('keeps batches that continue exactly from the position', () => {
    expect(takeContiguous([item(10, 5), item(15, 1), item(16, 4)], 12).map((i) => i.offset)).toEqual([10, 15, 16]);
  });

  it('stops before a gap instead of skipping records', () => {
    expect(takeContiguous([item(10, 5), item(17, 1)], 10).map((i) => i.offset)).toEqual([10]);
  });

  it('returns nothing when the first batch starts after the position', () => {
    expect(takeContiguous([item(11, 5)], 10)).toEqual([]);
  });
});
