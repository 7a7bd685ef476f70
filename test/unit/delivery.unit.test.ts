/** Pure parts of push delivery: the SSRF guard, signing, backoff, the batch planner and bisection, stream parsing. */
import { createHmac } from 'node:crypto';
import { retryDelayMs, MAX_RETRY_MS } from '../../lambdas/core/delivery/backoff';
import { batchLimit, planBatch, splitBatch } from '../../lambdas/core/delivery/planner';
import { sign, signatureHeader } from '../../lambdas/core/delivery/signer';
import { addressProblem, checkAddresses, checkUrlForm } from '../../lambdas/core/delivery/ssrf';
import { checkWebhookUrl, lambdaArnAllowed } from '../../lambdas/core/delivery/targets';
import type { PositionedRecord } from '../../lambdas/core/types';
import { parseResult } from '../../lambdas/store/lambda-target';
import { parseStreamKey, toLogAppends } from '../../lambdas/store/log-stream';

const record = (offset: number, key?: string, headers: Record<string, string> = {}): PositionedRecord => ({
  partition: 0,
  offset,
  key,
  value: { json: String(offset) },
  headers,
  timestamp: 0,
});

describe('SSRF guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.10', 'private'],
    ['169.254.169.254', 'metadata'],
    ['100.64.0.1', 'shared'],
    ['0.0.0.0', 'unicast'],
    ['224.0.0.1', 'unicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'private'],
    ['fc00::5', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:a00:1::', 'private'],
    ['ff02::1', 'unicast'],
  ])('refuses %s (%s)', (address, kind) => {
    expect(addressProblem(address)).toContain(kind);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(addressProblem(address)).toBeUndefined();
  });

  it('needs https, and allows plain http only to the local hosts when loopback is allowed', () => {
    expect(checkUrlForm('https://example.com/x', false).ok).toBe(true);
    expect(checkUrlForm('http://example.com/x', false).ok).toBe(false);
    expect(checkUrlForm('http://127.0.0.1:9000/x', false).ok).toBe(false);
    expect(checkUrlForm('http://127.0.0.1:9000/x', true).ok).toBe(true);
    expect(checkUrlForm('http://localhost:9000/x', true).ok).toBe(true);
    expect(checkUrlForm('http://10.0.0.1/x', true).ok).toBe(false);
    expect(checkUrlForm('https://u:p@example.com/', false).ok).toBe(false);
    expect(checkUrlForm('not a url', false).ok).toBe(false);
  });

  it('refuses a name when any of its addresses is inside, and loopback names outside the local stack', () => {
    expect(checkAddresses('hooks.example.com', ['93.184.216.34', '10.0.0.7'], false)).toContain('10.0.0.7');
    expect(checkAddresses('hooks.example.com', [], false)).toContain('does not resolve');
    expect(checkAddresses('localhost', ['127.0.0.1', '::1'], false)).toContain('loopback');
    expect(checkAddresses('localhost', ['127.0.0.1', '::1'], true)).toBeUndefined();
    // On the local stack too, only the local host names may be loopback.
    expect(checkAddresses('evil.example.com', ['127.0.0.1'], true)).toContain('loopback');
  });

  it('resolves the host first: a public-looking name that points inside is refused', async () => {
    const resolve = async (host: string) => (host === 'internal.example.com' ? ['169.254.169.254'] : ['93.184.216.34']);
    const policy = { allowLoopback: false, lambdaArnPatterns: [] };
    expect(await checkWebhookUrl('https://internal.example.com/hook', policy, resolve)).toEqual({
      problem: expect.stringContaining('169.254.169.254'),
    });
    expect(await checkWebhookUrl('https://ok.example.com/hook', policy, resolve)).toMatchObject({ addresses: ['93.184.216.34'] });
    const failing = async () => Promise.reject(new Error('ENOTFOUND'));
    expect(await checkWebhookUrl('https://nowhere.invalid/', policy, failing)).toEqual({ problem: expect.stringContaining('does not resolve') });
  });

  it('matches function ARNs against the allowed patterns only', () => {
    const patterns = ['arn:aws:lambda:eu-west-1:123456789012:function:hooks-*'];
    expect(lambdaArnAllowed('arn:aws:lambda:eu-west-1:123456789012:function:hooks-orders', patterns)).toBe(true);
    expect(lambdaArnAllowed('arn:aws:lambda:eu-west-1:123456789012:function:admin', patterns)).toBe(false);
    expect(lambdaArnAllowed('arn:aws:lambda:eu-west-1:123456789012:function:hooks-x', [])).toBe(false);
  });
});

describe('Standard Webhooks signing', () => {
  it('matches the Standard Webhooks reference vector', () => {
    // The example of the specification's reference libraries (standard-webhooks, svix).
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs with both secrets, space-separated, while the previous one is honoured', () => {
    const secrets = { current: 'whsec_' + Buffer.from('new').toString('base64'), previous: 'whsec_' + Buffer.from('old').toString('base64'), previousUntil: 2000 };
    const independent = (key: string) => `v1,${createHmac('sha256', key).update('id.5.body').digest('base64')}`;
    expect(signatureHeader(secrets, 'id', 5, 'body', 1000)).toBe(`${independent('new')} ${independent('old')}`);
    expect(signatureHeader(secrets, 'id', 5, 'body', 3000)).toBe(independent('new'));
  });
});

describe('Retry backoff', () => {
  it('starts near one second, doubles, and never exceeds ten minutes', () => {
    expect(retryDelayMs(1, () => 0)).toBe(500);
    expect(retryDelayMs(1, () => 0.999)).toBeLessThanOrEqual(1000);
    expect(retryDelayMs(2, () => 0)).toBe(1000);
    expect(retryDelayMs(40, () => 0.999)).toBeLessThanOrEqual(MAX_RETRY_MS);
    expect(retryDelayMs(40, () => 0)).toBe(MAX_RETRY_MS / 2);
  });
});

describe('Batch planning and bisection', () => {
  it('takes up to the limit and ends the range after the last record taken', () => {
    const plan = planBatch([record(5), record(6), record(7)], 8, null, 2);
    expect(plan.records.map((r) => r.offset)).toEqual([5, 6]);
    expect(plan.end).toBe(7);
  });

  it('passes over records that do not match, covering them in the range', () => {
    const plan = planBatch([record(0, 'a.eu'), record(1, 'b.us'), record(2, 'c.eu')], 3, { keys: ['*.eu'] }, 10);
    expect(plan.records.map((r) => r.offset)).toEqual([0, 2]);
    expect(plan.end).toBe(3);
    expect(planBatch([record(0, 'x.us')], 1, { keys: ['*.eu'] }, 10)).toEqual({ records: [], end: 1 });
  });

  it('halves a failing batch down to one record, capping later batches until the failed range is passed', () => {
    const records = [record(0), record(1), record(2), record(3)];
    expect(splitBatch(records, 4, undefined)).toEqual({ end: 2, capSize: 2, capUntil: 4 });
    expect(splitBatch(records.slice(2), 4, 4)).toEqual({ end: 3, capSize: 1, capUntil: 4 });
    expect(splitBatch([record(3)], 4, 4)).toBeUndefined();
    expect(batchLimit(100, 2, 2, 4)).toBe(2);
    expect(batchLimit(100, 4, 2, 4)).toBe(100);
  });
});

describe('Log stream records', () => {
  const image = (stream: string, offset: number, n: number) => ({
    stream: { S: stream },
    offset: { N: String(offset) },
    n: { N: String(n) },
    at: { N: '1700000000000' },
  });

  it('turns inserts into appends and ignores modifications, removals and foreign items', () => {
    const appends = toLogAppends([
      { eventName: 'INSERT', dynamodb: { NewImage: image('orders#abc123#2', 10, 3) } },
      { eventName: 'MODIFY', dynamodb: { NewImage: image('orders#abc123#2', 10, 3) } },
      { eventName: 'REMOVE', dynamodb: {} },
      { eventName: 'INSERT', dynamodb: { NewImage: { stream: { S: 'nonsense' }, offset: { N: '1' }, n: { N: '1' } } } },
    ]);
    expect(appends).toEqual([{ topic: 'orders', topicId: 'abc123', partition: 2, baseOffset: 10, count: 3, appendedAt: 1700000000000 }]);
  });

  it('splits stream keys at the last two separators', () => {
    expect(parseStreamKey('a.b-c#id#17')).toEqual({ topic: 'a.b-c', topicId: 'id', partition: 17 });
    expect(parseStreamKey('x#y')).toBeUndefined();
  });
});

describe('Lambda target results', () => {
  it('honours batchItemFailures by offset', () => {
    expect(parseResult('')).toEqual({ kind: 'delivered' });
    expect(parseResult('{"batchItemFailures": []}')).toEqual({ kind: 'delivered' });
    expect(parseResult('{"batchItemFailures": [{"offset": 7}, {"itemIdentifier": "9"}]}')).toMatchObject({ kind: 'partial', failedOffsets: [7, 9] });
    expect(parseResult('{"batchItemFailures": [{"nope": 1}]}')).toMatchObject({ kind: 'failed' });
  });
});
