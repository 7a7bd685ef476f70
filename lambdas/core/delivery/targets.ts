/**
 * Which targets a subscription may point at, checked at create and again
 * before every delivery: an https URL whose host resolves only to public
 * addresses (see ssrf.ts), or a Lambda function whose ARN matches a pattern
 * the operator allowed (none by default).
 */
import { InvalidRequestError } from '../errors';
import { checkAddresses, checkUrlForm } from './ssrf';
import type { SubscriptionTarget } from './types';

/** Resolves a host name to all its addresses (IP literals resolve to themselves). */
export type Resolver = (hostname: string) => Promise<string[]>;

export interface TargetPolicy {
  /** The local stack: also `http://127.0.0.1` and `http://localhost`. */
  readonly allowLoopback: boolean;
  /** ARN patterns of functions that may be targets (`*` matches any run of characters). */
  readonly lambdaArnPatterns: readonly string[];
}

/** Whether `arn` matches one of the allowed patterns. */
export function lambdaArnAllowed(arn: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return regex.test(arn);
  });
}

/** Why the URL may not be a target (form, resolution, addresses), or undefined when it may; `addresses` are the checked ones. */
export async function checkWebhookUrl(
  raw: string,
  policy: TargetPolicy,
  resolve: Resolver,
): Promise<{ problem: string } | { url: URL; addresses: string[] }> {
  const form = checkUrlForm(raw, policy.allowLoopback);
  if (!form.ok) return { problem: `target.url ${form.reason}` };
  const hostname = form.url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = await resolve(hostname);
  } catch {
    return { problem: `target.url: ${hostname} does not resolve` };
  }
  const problem = checkAddresses(hostname, addresses, policy.allowLoopback);
  return problem ? { problem: `target.url is refused: ${problem}` } : { url: form.url, addresses };
}

/** The check of a target at create or patch: a 400 naming the field when it is refused. */
export function targetValidator(policy: TargetPolicy, resolve: Resolver) {
  return async (target: SubscriptionTarget): Promise<void> => {
    if (target.type === 'lambda') {
      if (!lambdaArnAllowed(target.functionArn, policy.lambdaArnPatterns)) {
        throw new InvalidRequestError('this function is not among those the operator allows as targets', 'target.functionArn');
      }
      return;
    }
    const checked = await checkWebhookUrl(target.url, policy, resolve);
    if ('problem' in checked) throw new InvalidRequestError(checked.problem.replace(/^target\.url:? ?/, ''), 'target.url');
  };
}
