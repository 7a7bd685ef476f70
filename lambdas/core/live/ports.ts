/**
 * What live notifications need from storage and from the transport: the
 * connections table (who is connected, who watches which topic, and when
 * each watcher was last notified) and a way to send a message to one
 * connection (API Gateway's `@connections` on AWS, the `ws` server's socket
 * map on the local stack).
 */
import type { LiveServerMessage } from '../../../packages/client/src/protocol/live';

/** One open WebSocket. */
export interface LiveConnection {
  readonly connectionId: string;
  readonly tokenId: string;
  /** Epoch ms. */
  readonly connectedAt: number;
  /** Epoch ms after which the item may vanish (TTL): API Gateway's 2-hour limit plus a margin. */
  readonly expiresAt: number;
  /** Topics it watches. */
  readonly topics: readonly string[];
}

/** One connection watching one topic. */
export interface LiveWatch {
  readonly topic: string;
  readonly connectionId: string;
  readonly tokenId: string;
  /** Only labels the watcher (metrics). */
  readonly group: string | undefined;
  readonly expiresAt: number;
}

/** End offset per partition number. */
export type PartitionEnds = Readonly<Record<number, number>>;

/** Outcome of claiming a notification slot. */
export type NotificationClaim =
  | { readonly claimed: true }
  /** Someone already notified in `second` (or later) with `ends`; or the watch is gone (`second` undefined). */
  | { readonly claimed: false; readonly second: number | undefined; readonly ends: PartitionEnds };

/** The connections table. */
export interface ConnectionStore {
  putConnection(connection: LiveConnection): Promise<void>;
  getConnection(connectionId: string): Promise<LiveConnection | undefined>;
  /** Deletes the connection and its watches; no error when it is already gone. */
  deleteConnection(connectionId: string): Promise<void>;
  /** Adds (or refreshes) a watch; false when the connection is gone. */
  putWatch(watch: LiveWatch): Promise<boolean>;
  /** Removes a watch; no error when there is none. */
  deleteWatch(topic: string, connectionId: string): Promise<void>;
  /** Every watch of a topic. */
  watchers(topic: string): Promise<LiveWatch[]>;
  /**
   * Claims the right to notify a watcher in epoch second `second`, atomically
   * (a conditional write): succeeds only while the watch exists and nobody
   * notified it in this second or a later one. On success, `ends` is recorded
   * as what that notification carries.
   */
  claimNotification(topic: string, connectionId: string, second: number, ends: PartitionEnds): Promise<NotificationClaim>;
}

/** Sends a message to one connection. */
export interface ConnectionPoster {
  /** `gone` when the connection no longer exists (API Gateway's GoneException). */
  post(connectionId: string, message: LiveServerMessage): Promise<'sent' | 'gone'>;
}
