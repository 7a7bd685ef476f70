/**
 * The live-notification protocol (API.md, "Live notifications (WebSocket)"):
 * the JSON messages on the WebSocket at `/v1/live` (local stack) or the
 * stack's `LiveUrl` (API Gateway WebSocket API). Shared by the service and
 * the client, like the error-code table; types and constants only.
 */
import type { ErrorCode } from './error-codes';

/** Path of the WebSocket on the local stack (same port as the HTTP API). */
export const LIVE_PATH = '/v1/live';

/** API Gateway closes a WebSocket idle for this long… */
export const LIVE_IDLE_TIMEOUT_MS = 10 * 60_000;
/** …and every WebSocket after this long. */
export const LIVE_MAX_CONNECTION_MS = 2 * 60 * 60_000;

/** Client → server. */
export type LiveClientMessage =
  | { action: 'watch'; topic: string; group?: string }
  | { action: 'unwatch'; topic: string }
  | { action: 'ping' };

/** End offset of one partition: the offset the next record appended will get. */
export interface LivePartitionEnd {
  partition: number;
  endOffset: number;
}

/** Server → client. `topic` on an error names the watch it answers, when there is one. */
export type LiveServerMessage =
  | { type: 'watching'; topic: string }
  | { type: 'unwatched'; topic: string }
  | { type: 'records'; topic: string; partitions: LivePartitionEnd[] }
  | { type: 'pong' }
  | { type: 'error'; topic?: string; error: { code: ErrorCode; message: string } };
