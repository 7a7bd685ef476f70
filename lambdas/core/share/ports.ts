/** The store interface share groups are written against (implemented in lambdas/store/share-store.ts). */
import type { StoredDeadLetter } from '../ports';
import type { SharePartitionState } from './state';

/** Identifies a share group on one topic incarnation. */
export interface ShareKey {
  readonly group: string;
  readonly topic: string;
  readonly topicId: string;
}

export interface ShareStore {
  /** A partition's state, read strongly consistently; undefined before the group's first receive there. */
  get(key: ShareKey, partition: number): Promise<SharePartitionState | undefined>;
  /** Every stored partition state of the topic incarnation (of one group, or of all), strongly consistent. */
  list(topic: { name: string; topicId: string }, group?: string): Promise<Array<{ group: string; state: SharePartitionState }>>;
  /**
   * Writes `next` if the stored version is still `expectedVersion` (0: no
   * item yet), together with the dead letters, in one transaction when there
   * are any. False when another writer got there first: nothing was written.
   */
  write(key: ShareKey, expectedVersion: number, next: SharePartitionState, deadLetters: readonly StoredDeadLetter[]): Promise<boolean>;
  /** Deletes these partitions' states. */
  remove(key: ShareKey, partitions: readonly number[]): Promise<void>;
}
