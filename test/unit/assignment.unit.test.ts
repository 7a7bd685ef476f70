/** Coordinator-free partition assignment (lambdas/core/groups/assignment.ts): shares, plans, and convergence. */
import { fairShare, liveMembers, planAssignment, type AssignmentPlan, type MemberState } from '../../lambdas/core/groups/assignment';

const NOW = 1_000_000;
const LIVE = NOW + 30_000;
const EXPIRED = NOW - 1;

type Members = Map<string, MemberState>;
const group = (entries: Record<string, [number, number[]]>): Members =>
  new Map(Object.entries(entries).map(([id, [expiresAt, held]]) => [id, { expiresAt, held }]));
const ids = (n: number) => Array.from({ length: n }, (_, i) => `c${String(i).padStart(2, '0')}`);

describe('fairShare', () => {
  it.each([1, 2, 3, 4, 7, 10, 32, 1000])('gives shares that sum to %i partitions and differ by at most one', (partitions) => {
    for (const count of [1, 2, 3, 5, 8, 13]) {
      const live = ids(count);
      const shares = live.map((c) => fairShare(partitions, live, c));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(partitions);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the remainder to the first ranks', () => {
    const live = ['a', 'b', 'c'];
    expect(live.map((c) => fairShare(4, live, c))).toEqual([2, 1, 1]);
    expect(live.map((c) => fairShare(2, live, c))).toEqual([1, 1, 0]);
  });

  it('gives nothing to a consumer that is not live', () => {
    expect(fairShare(4, ['a', 'b'], 'z')).toBe(0);
    expect(fairShare(4, [], 'a')).toBe(0);
  });
});

describe('liveMembers', () => {
  it('lists only members whose session has not expired, sorted by id', () => {
    const members = group({ zed: [LIVE, []], amy: [LIVE, [1]], old: [EXPIRED, [2]], now: [NOW, []] });
    expect(liveMembers(members, NOW)).toEqual(['amy', 'zed']);
  });
});

describe('planAssignment', () => {
  it('gives a lone new consumer every partition', () => {
    const plan = planAssignment(group({ a: [LIVE, []] }), 'a', 4, NOW);
    expect(plan.held).toEqual([0, 1, 2, 3]);
    expect(plan.acquire.every((a) => a.from === undefined)).toBe(true);
    expect(plan.release).toEqual([]);
  });

  it('never acquires a partition held by a live member, even when short of its share', () => {
    const members = group({ a: [LIVE, [0, 1, 2]], b: [LIVE, []] });
    const plan = planAssignment(members, 'b', 4, NOW);
    expect(plan.acquire.map((a) => a.partition)).toEqual([3]);
    expect(plan.held).toEqual([3]);
  });

  it('acquires nothing when every partition is held by live members', () => {
    const plan = planAssignment(group({ a: [LIVE, [0, 1, 2, 3]], b: [LIVE, []] }), 'b', 4, NOW);
    expect(plan).toEqual({ held: [], acquire: [], release: [] });
  });

  it('takes an expired member’s partitions and names it in `from`', () => {
    const members = group({ a: [LIVE, [0, 1]], gone: [EXPIRED, [2, 3]] });
    const plan = planAssignment(members, 'a', 4, NOW);
    expect(plan.acquire).toEqual(expect.arrayContaining([{ partition: 2, from: 'gone' }, { partition: 3, from: 'gone' }]));
    expect(plan.held).toEqual([0, 1, 2, 3]);
  });

  it('does not count a stale claim of an expired member on a partition a live member holds', () => {
    const members = group({ gone: [EXPIRED, [0, 1]], a: [LIVE, [0]], b: [LIVE, []] });
    const plan = planAssignment(members, 'b', 2, NOW);
    expect(plan.acquire).toEqual([{ partition: 1, from: 'gone' }]);
  });

  it('releases the surplus over its share when new members appear, keeping the lowest partitions', () => {
    const members = group({ a: [LIVE, [0, 1, 2, 3]], b: [LIVE, []], c: [LIVE, []] });
    const plan = planAssignment(members, 'a', 4, NOW);
    expect(plan).toEqual({ held: [0, 1], acquire: [], release: [2, 3] });
  });

  it('releases held partitions at or beyond the partition count', () => {
    const plan = planAssignment(group({ a: [LIVE, [0, 4, 7]] }), 'a', 4, NOW);
    expect(plan.release).toEqual(expect.arrayContaining([4, 7]));
    expect(plan.held).toEqual([0, 1, 2, 3]);
    expect(plan.acquire.map((a) => a.partition).sort()).toEqual([1, 2, 3]);
  });

  it('acquires at most maxAcquire partitions in one plan', () => {
    const plan = planAssignment(group({ a: [LIVE, []] }), 'a', 10, NOW, 3);
    expect(plan.acquire).toHaveLength(3);
    expect(plan.held).toHaveLength(3);
  });

  it('makes no change for a consumer already holding exactly its share', () => {
    const plan = planAssignment(group({ a: [LIVE, [0, 1]], b: [LIVE, [2, 3]] }), 'b', 4, NOW);
    expect(plan).toEqual({ held: [2, 3], acquire: [], release: [] });
  });
});

/** A tiny in-memory group: heartbeat, plan, apply — what GroupService.assign does, minus the store. */
class SimulatedGroup {
  readonly members: Map<string, { expiresAt: number; held: number[] }> = new Map();
  now = NOW;
  constructor(
    readonly partitions: number,
    readonly sessionMs = 30_000,
  ) {}

  poll(consumer: string): AssignmentPlan {
    const me = this.members.get(consumer);
    this.members.set(consumer, { expiresAt: this.now + this.sessionMs, held: me?.held ?? [] });
    const plan = planAssignment(this.members, consumer, this.partitions, this.now);
    for (const { partition, from } of plan.acquire) {
      if (from === undefined) continue;
      const previous = this.members.get(from);
      expect(previous && previous.expiresAt <= this.now).toBe(true); // only expired members lose partitions
      const remaining = (previous?.held ?? []).filter((p) => p !== partition);
      if (remaining.length > 0) this.members.set(from, { ...previous!, held: remaining });
      else this.members.delete(from);
    }
    this.members.set(consumer, { expiresAt: this.now + this.sessionMs, held: plan.held });
    this.assertNoPartitionHeldTwice();
    return plan;
  }

  assertNoPartitionHeldTwice(): void {
    const all = [...this.members.values()].flatMap((m) => m.held);
    expect(new Set(all).size).toBe(all.length);
  }

  /** Every partition held by exactly one live member, each live member holding exactly its fair share. */
  assertBalanced(): void {
    const live = liveMembers(this.members, this.now);
    const holders = new Map<number, string[]>();
    for (const id of live) for (const p of this.members.get(id)!.held) holders.set(p, [...(holders.get(p) ?? []), id]);
    for (let p = 0; p < this.partitions; p++) expect({ p, holders: holders.get(p)?.length }).toEqual({ p, holders: 1 });
    for (const id of live) expect({ id, held: this.members.get(id)!.held.length }).toEqual({ id, held: fairShare(this.partitions, live, id) });
  }

  /** Rounds in which every consumer polls once, in a shuffled order, until a round of known members changes nothing. */
  runUntilStable(consumers: readonly string[], random: () => number, maxRounds: number): number {
    for (let round = 1; round <= maxRounds; round++) {
      let changed = liveMembers(this.members, this.now).join() !== [...consumers].sort().join();
      for (const consumer of shuffle(consumers, random)) {
        const plan = this.poll(consumer);
        if (plan.acquire.length > 0 || plan.release.length > 0) changed = true;
        this.now += 10;
      }
      if (!changed) return round;
    }
    return Infinity;
  }
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHAPES: Array<[number, number]> = [
  [1, 1], [4, 1], [4, 2], [4, 3], [3, 5], [7, 3], [10, 4], [32, 5], [100, 8], [16, 16],
];
const MAX_ROUNDS = 4; // join, give back, take over — then a quiet round

describe('convergence of consumers applying their own plans', () => {
  it.each(SHAPES)('balances %i partitions over %i consumers joining a new group within a few rounds', (partitions, count) => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = new SimulatedGroup(partitions);
      const rounds = sim.runUntilStable(ids(count), seeded(seed), MAX_ROUNDS);
      expect({ seed, stable: rounds <= MAX_ROUNDS }).toEqual({ seed, stable: true });
      sim.assertBalanced();
    }
  });

  it.each(SHAPES.filter(([, n]) => n > 1))('rebalances %i partitions when %i consumers join one that holds them all', (partitions, count) => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = new SimulatedGroup(partitions);
      const consumers = ids(count);
      const hog = consumers[count - 1]!; // the highest rank, so it must give back more than the remainder
      while (sim.members.get(hog)?.held.length !== partitions) expect(sim.poll(hog).acquire.length).toBeGreaterThan(0);
      expect(sim.runUntilStable(consumers, seeded(seed), MAX_ROUNDS)).toBeLessThanOrEqual(MAX_ROUNDS);
      sim.assertBalanced();
    }
  });

  it.each(SHAPES.filter(([, n]) => n > 1))('hands an expired member’s %i partitions to the other %i − 1 consumers', (partitions, count) => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seeded(seed);
      const sim = new SimulatedGroup(partitions, 5_000);
      const consumers = ids(count);
      expect(sim.runUntilStable(consumers, random, MAX_ROUNDS)).toBeLessThanOrEqual(MAX_ROUNDS);
      const victim = consumers[Math.floor(random() * count)]!;
      const orphaned = sim.members.get(victim)!.held;
      const survivors = consumers.filter((c) => c !== victim);
      sim.now += 3_000;
      for (const c of survivors) sim.poll(c); // the survivors keep polling, the victim stops
      sim.now += 3_000; // the victim's session has ended, the survivors' has not
      expect(liveMembers(sim.members, sim.now)).toEqual(survivors);
      expect(sim.runUntilStable(survivors, random, MAX_ROUNDS)).toBeLessThanOrEqual(MAX_ROUNDS);
      sim.assertBalanced();
      expect(liveMembers(sim.members, sim.now)).toEqual(survivors);
      if (orphaned.length > 0) expect(sim.members.has(victim)).toBe(false);
    }
  });

  it('keeps a live member’s partitions while another member’s session runs out', () => {
    const sim = new SimulatedGroup(4, 5_000);
    sim.runUntilStable(['a', 'b'], seeded(7), MAX_ROUNDS);
    const bHeld = sim.members.get('b')!.held;
    sim.now += 4_000;
    sim.poll('b'); // b renews; a does not
    sim.now += 2_000; // a has expired, b is live
    const plan = sim.poll('b');
    expect(plan.acquire.every((x) => x.from === 'a')).toBe(true);
    expect(sim.members.get('b')!.held).toEqual([0, 1, 2, 3]);
    expect(bHeld.every((p) => sim.members.get('b')!.held.includes(p))).toBe(true);
  });
});
