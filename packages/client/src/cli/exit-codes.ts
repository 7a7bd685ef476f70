/**
 * The exit codes of `tributary`, for scripts. An API error's code is read
 * through the shared status table, so every 404 code (TOPIC_NOT_FOUND,
 * GROUP_NOT_FOUND, …) exits 3 without a list here to keep in step.
 */
import { TributaryError, STATUS_BY_CODE, isErrorCode } from '..';

export const EXIT = {
  OK: 0,
  /** An API error not listed below, or the API could not be reached. */
  FAILURE: 1,
  /** Bad command line, or no connection configured. */
  USAGE: 2,
  /** The topic, group, partition, dead letter or token does not exist (HTTP 404). */
  NOT_FOUND: 3,
  /** The token is missing or unknown (401) or lacks the permission (403). */
  NOT_ALLOWED: 4,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  an API error (the message names its code), or the API could not be reached
  2  usage error: bad command line, or no connection configured
  3  not found: no such topic, group, partition, dead letter or token
  4  not allowed: the token is unknown (401) or lacks the permission (403)`;

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof TributaryError)) return EXIT.FAILURE;
  const status = isErrorCode(error.code) ? STATUS_BY_CODE[error.code] : error.status;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 401 || status === 403) return EXIT.NOT_ALLOWED;
  return EXIT.FAILURE;
}
