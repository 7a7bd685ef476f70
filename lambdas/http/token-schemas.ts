/** Validation of token-management requests (see schemas.ts for the conventions). */
import { z } from 'zod';
import { TOKEN_ID_PATTERN, type Permission } from '../core/auth';
import { InvalidRequestError } from '../core/errors';
import { parse } from './schemas';

export const MAX_TOKEN_NAME_LENGTH = 128;
export const MAX_PERMISSIONS_PER_TOKEN = 100;

/** Printable: no control, format, private-use, unassigned or line/paragraph-separator characters. */
const TOKEN_NAME = new RegExp(`^[^\\p{C}\\p{Zl}\\p{Zp}]{1,${MAX_TOKEN_NAME_LENGTH}}$`, 'u');

/** An exact topic name (the topic-name rule), a prefix of one ending in `*`, or `*` alone. */
export const TOPIC_PATTERN = /^(?:[a-zA-Z0-9._-]{1,249}|[a-zA-Z0-9._-]{0,248}\*)$/;

const ACTIONS = ['produce', 'consume', 'admin'] as const;

const permission = z.strictObject({
  topics: z.string({ error: 'expected a string' }).regex(TOPIC_PATTERN, {
    error: "expected a topic name, a prefix of one ending in '*', or '*' alone",
  }),
  actions: z
    .array(z.enum(ACTIONS, { error: "expected 'produce', 'consume' or 'admin'" }), { error: 'expected an array of actions' })
    .min(1, { error: 'at least one action is required' })
    .superRefine((actions, ctx) => {
      actions.forEach((action, i) => {
        if (actions.indexOf(action) !== i) ctx.addIssue({ code: 'custom', message: `duplicate action '${action}'`, path: [i] });
      });
    }),
});

/** The body of `POST /v1/tokens`. */
export const createTokenBody = z.strictObject({
  name: z.string({ error: 'expected a string' }).regex(TOKEN_NAME, {
    error: `expected 1 to ${MAX_TOKEN_NAME_LENGTH} printable characters`,
  }),
  permissions: z
    .array(permission, { error: 'expected an array of permissions' })
    .min(1, { error: 'at least one permission is required' })
    .max(MAX_PERMISSIONS_PER_TOKEN, { error: `at most ${MAX_PERMISSIONS_PER_TOKEN} permissions` }),
});

export function parseCreateToken(body: unknown): { name: string; permissions: Permission[] } {
  return parse(createTokenBody, body);
}

/** The `{id}` of `/v1/tokens/{id}`. The value is not echoed: it may be a whole token pasted by mistake. */
export function parseTokenId(raw: string | undefined): string {
  if (raw === undefined || !TOKEN_ID_PATTERN.test(raw)) {
    throw new InvalidRequestError('expected a token id: 16 hex digits (the <id> of trb_<id>_<secret>)', 'id');
  }
  return raw;
}
