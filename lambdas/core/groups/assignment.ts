/**
 * Coordinator-free partition assignment. Every poll sees the group's members
 * (with their session expiry and the partitions they hold) and decides, for
 * the polling consumer alone, what to give back and what to take. All
 * consumers compute the same fair shares from the same member list, so the
 * group converges without a leader: each live consumer ends up with
 * ⌊P/L⌋ or ⌈P/L⌉ of the P partitions (L live consumers), and a partition
 * held by a live consumer is never taken.
 */

export interface MemberState {
  /** Session expiry (epoch ms): the member is live until then. */
  readonly expiresAt: number;
  /** Partitions the member holds. */
  readonly held: readonly number[];
}

export interface AssignmentPlan {
  /** What the consumer holds after the change. */
  readonly held: number[];
  /** Partitions to take, with the expired member they are taken from (if any). */
  readonly acquire: Array<{ partition: number; from: string | undefined }>;
  /** Partitions to give back (surplus over the fair share, or beyond the partition count). */
  readonly release: number[];
}

/** The live members' ids in a stable order (the ranks that decide who gets the remainder). */
export function liveMembers(members: ReadonlyMap<string, MemberState>, now: number): string[] {
  return [...members].filter(([, m]) => m.expiresAt > now).map(([id]) => id).sort();
}

/** The number of partitions `consumer` should hold: ⌊P/L⌋, plus one for the first P mod L ranks. */
export function fairShare(partitions: number, live: readonly string[], consumer: string): number {
  const rank = live.indexOf(consumer);
  if (rank < 0 || live.length === 0) return 0;
  const base = Math.floor(partitions / live.length);
  return base + (rank < partitions % live.length ? 1 : 0);
}

/**
 * What `consumer` (live, having just heartbeated) should do now.
 * `maxAcquire` bounds how much one poll takes (it becomes one transaction).
 */
export function planAssignment(
  members: ReadonlyMap<string, MemberState>,
  consumer: string,
  partitions: number,
  now: number,
  maxAcquire = 50,
): AssignmentPlan {
  const live = liveMembers(members, now);
  const share = fairShare(partitions, live, consumer);
  const mine = [...(members.get(consumer)?.held ?? [])].sort((a, b) => a - b);
  const valid = mine.filter((p) => p < partitions);
  const release = mine.filter((p) => p >= partitions);
  if (valid.length > share) {
    const surplus = valid.slice(share);
    return { held: valid.slice(0, share), acquire: [], release: [...release, ...surplus] };
  }
  const heldByLive = new Set<number>();
  const heldByExpired = new Map<number, string>();
  for (const [id, member] of members) {
    if (id === consumer) continue;
    for (const p of member.held) {
      if (member.expiresAt > now) heldByLive.add(p);
      else if (!heldByLive.has(p)) heldByExpired.set(p, id);
    }
  }
  const acquire: Array<{ partition: number; from: string | undefined }> = [];
  const taken = new Set(valid);
  // Start where this consumer's share would begin, so newcomers do not all race for partition 0.
  const start = live.length > 0 ? (live.indexOf(consumer) * Math.floor(partitions / live.length)) % partitions : 0;
  for (let i = 0; i < partitions && valid.length + acquire.length < share && acquire.length < maxAcquire; i++) {
    const p = (start + i) % partitions;
    if (taken.has(p) || heldByLive.has(p)) continue;
    acquire.push({ partition: p, from: heldByExpired.get(p) });
  }
  return { held: [...valid, ...acquire.map((a) => a.partition)].sort((a, b) => a - b), acquire, release };
}
