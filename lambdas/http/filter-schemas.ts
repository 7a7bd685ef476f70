/** Validation of a routing filter (API.md, "Filters"); used by share-group receives and subscriptions. */
import { z } from 'zod';
import { keyPatternProblem, type RecordFilter } from '../core/filters/filter';

const keyPattern = z.string({ error: 'expected a string' }).superRefine((pattern, ctx) => {
  const problem = keyPatternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A JSON object of string or null values (null: the header is present with any value). */
const headerValues = z
  .custom<Record<string, string | null>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
    error: 'expected an object of string or null values',
  })
  .superRefine((value, ctx) => {
    for (const [name, v] of Object.entries(value)) {
      if (v !== null && typeof v !== 'string') ctx.addIssue({ code: 'custom', message: 'expected a string or null', path: [name] });
    }
    if (Object.keys(value).length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one header' });
  })
  .transform((value) => Object.fromEntries(Object.entries(value)) as Record<string, string | null>);

export const MAX_FILTER_KEYS = 100;

export const filterSchema: z.ZodType<RecordFilter> = z.strictObject({
  keys: z
    .array(keyPattern, { error: 'expected an array of patterns' })
    .min(1, { error: 'at least one pattern, or no keys field' })
    .max(MAX_FILTER_KEYS, { error: `at most ${MAX_FILTER_KEYS} patterns` })
    .optional(),
  headers: z
    .strictObject({
      match: z.enum(['all', 'any'], { error: "expected 'all' or 'any'" }).default('all'),
      values: headerValues,
    })
    .optional(),
});
