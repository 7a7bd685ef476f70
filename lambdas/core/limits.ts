/**
 * Protocol limits of API v1 and the engine's tuning constants, in one place.
 * Units are in the names.
 */

/** Kafka's topic-name rule. */
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;
export const MIN_PARTITIONS = 1;
export const MAX_PARTITIONS = 1000;

export const MAX_RECORDS_PER_PRODUCE = 500;
/** 6 MB per produce request (the JSON body as received). */
export const MAX_PRODUCE_REQUEST_BYTES = 6 * 1000 * 1000;
/** A record's key, value and headers together. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export const DEFAULT_FETCH_LIMIT = 100;
export const MAX_FETCH_LIMIT = 1000;
export const MAX_WAIT_MS = 20_000;
/** Pauses between the cheap checks of a long poll (fetch and group poll): 50 ms doubling to 1 s. */
export const LONG_POLL_FIRST_PAUSE_MS = 50;
export const LONG_POLL_MAX_PAUSE_MS = 1000;
/**
 * A fetch or poll response stops adding records once they would take this
 * many bytes in the Lambda response (it always carries at least one record):
 * Lambda's synchronous response limit is 6 MB, the body travels as an escaped
 * JSON string inside it, and base64 grows binary values by 4/3. See `wireSize`.
 */
export const MAX_FETCH_RESPONSE_BYTES = 4 * 1024 * 1024;

export const TOPIC_DEFAULTS = {
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  archiveAfterMs: 60 * 60 * 1000,
  maxDeliveryAttempts: 5,
} as const;

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * Life of a cached partition head in a Lambda container. It must stay far
 * below LOG_ITEM_MIN_DELETE_AGE_MS: see docs/ARCHITECTURE.md, "Appending: offsets by conditional write" (why the head
 * cache is safe".
 */
export const HEAD_CACHE_TTL_MS = 5_000;
/** Conditional-write hops before the head is re-read from the table. */
export const MAX_HOPS_BEFORE_HEAD_READ = 4;
/**
 * How long one batch may keep losing the race for the head before the
 * request gives up with 503 (safe to retry: nothing was written). Well under
 * API Gateway's 29 s integration timeout.
 */
export const APPEND_DEADLINE_MS = 10_000;
/**
 * No log item younger than this is ever deleted (by the archiver, retention
 * or topic deletion purge of a live incarnation), and the newest item of a
 * partition is never deleted: together they make the head cache safe.
 */
export const LOG_ITEM_MIN_DELETE_AGE_MS = 60_000;

/**
 * How often the archiver re-measures a partition's hot bytes (a read of its
 * whole hot log) when the topic has no size retention; with `retentionBytes`
 * it measures at every run. See docs/PERFORMANCE.md, "Idle costs".
 */
export const HOT_BYTES_MEASURE_INTERVAL_MS = 60 * 60 * 1000;

/** Life of cached topic metadata (partition count, id) in a container. */
export const TOPIC_CACHE_TTL_MS = 5_000;
