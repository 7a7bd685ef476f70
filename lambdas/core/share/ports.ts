/** The store interface share groups are written against (implemented in lambdas/store/share-store.ts). */
import type { StoredDeadLetter } from '../ports';
import type { SharePartitionState } from './state';

export type WriteResult = { readonly written: true } | { readonly written: false; readonly current: SharePartitionState | undefined };

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
   * are any. When another writer got there first nothing is written, and the
   * answer carries the state that won (when the store could tell), so the
   * caller can try again without reading it.
   */
  write(key: ShareKey, expectedVersion: number, next: SharePartitionState, deadLetters: readonly StoredDeadLetter[]): Promise<WriteResult>;
  /** Deletes these partitions' states. */
  remove(key: ShareKey, partitions: readonly number[]): Promise<void>;
}
