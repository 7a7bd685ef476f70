/** Administration: topics, consumer groups, dead letters and tokens. */
import { apiPath, type HttpTransport } from './http';
import type {
  CreateTopicRequest,
  CreatedToken,
  DeadLetter,
  DeadLetterPage,
  GroupDescription,
  OffsetResetRequest,
  OffsetResetResult,
  Permission,
  RedriveRequest,
  TokenInfo,
  TopicDescription,
  TopicReader,
  TopicSummary,
  UpdateTopicRequest,
  WhoAmI,
} from './types';
import type {
  CreateSubscriptionRequest,
  SubscriptionDescription,
  SubscriptionInfo,
  UpdateSubscriptionRequest,
} from './subscription-types';

export interface ListDeadLettersRequest {
  /** Only this group's (default: every group's). */
  group?: string;
  /** Page size, 1 to 1000 (server default 100). */
  limit?: number;
  cursor?: string;
}

export class Admin {
  constructor(private readonly transport: HttpTransport) {}

  createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    return this.transport.request({ method: 'POST', path: '/v1/topics', body: request, retry: 'if-refused' });
  }

  async listTopics(): Promise<TopicSummary[]> {
    const response = await this.transport.request<{ topics: TopicSummary[] }>({ method: 'GET', path: '/v1/topics', retry: 'idempotent' });
    return response.topics;
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.transport.request({ method: 'GET', path: apiPath`/v1/topics/${name}`, retry: 'idempotent' });
  }

  /** Raise partitions (never lower) or change retention / maxDeliveryAttempts. */
  updateTopic(name: string, patch: UpdateTopicRequest): Promise<TopicDescription> {
    // Setting the same values again changes nothing: safe to repeat.
    return this.transport.request({ method: 'PATCH', path: apiPath`/v1/topics/${name}`, body: patch, retry: 'idempotent' });
  }

  async deleteTopic(name: string): Promise<void> {
    // Not retried after a network error: a repeat of a delete that took effect would answer TOPIC_NOT_FOUND.
    await this.transport.request({ method: 'DELETE', path: apiPath`/v1/topics/${name}`, retry: 'if-refused' });
  }

  /** Committed offsets, lag and lease holders of a group on a topic. */
  describeGroup(group: string, topic: string): Promise<GroupDescription> {
    return this.transport.request({ method: 'GET', path: apiPath`/v1/groups/${group}`, query: { topic }, retry: 'idempotent' });
  }

  /**
   * Moves a group's committed offsets (Kafka's `--reset-offsets`). Throws
   * GroupActiveError while live consumers hold the partitions, unless `force`.
   */
  resetGroupOffsets(group: string, request: OffsetResetRequest): Promise<OffsetResetResult> {
    // A shiftBy repeated after a lost answer would shift twice: only a dry run or an absolute target is repeated.
    const repeatable = request.dryRun === true || typeof request.to === 'string' || !('shiftBy' in request.to);
    return this.transport.request({
      method: 'POST',
      path: apiPath`/v1/groups/${group}/offsets/reset`,
      body: request,
      retry: repeatable ? 'idempotent' : 'if-refused',
    });
  }

  /** Every consumer group, share group and subscription reading the topic, with its total lag and live members. */
  async listTopicGroups(topic: string): Promise<TopicReader[]> {
    const response = await this.transport.request<{ groups: TopicReader[] }>({
      method: 'GET',
      path: apiPath`/v1/topics/${topic}/groups`,
      retry: 'idempotent',
    });
    return response.groups;
  }

  /** The calling token: id, name and permissions. */
  whoami(): Promise<WhoAmI> {
    return this.transport.request({ method: 'GET', path: '/v1/whoami', retry: 'idempotent' });
  }

  /** Releases a consumer's leases at once. */
  async removeConsumer(group: string, topic: string, consumerId: string): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: apiPath`/v1/groups/${group}/consumers/${consumerId}`,
      query: { topic },
      retry: 'idempotent',
    });
  }

  /** One page of a topic's dead letters. */
  listDeadLetters(topic: string, request: ListDeadLettersRequest = {}): Promise<DeadLetterPage> {
    return this.transport.request({
      method: 'GET',
      path: apiPath`/v1/topics/${topic}/dead-letters`,
      query: { group: request.group, limit: request.limit, cursor: request.cursor },
      retry: 'idempotent',
    });
  }

  /** Every dead letter (following the cursor), at most `max` of them. */
  async listAllDeadLetters(topic: string, request: { group?: string; max?: number } = {}): Promise<DeadLetter[]> {
    const max = request.max ?? Number.POSITIVE_INFINITY;
    const letters: DeadLetter[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listDeadLetters(topic, { group: request.group, cursor, limit: Math.min(1000, max - letters.length) });
      letters.push(...page.deadLetters);
      cursor = page.cursor ?? undefined;
    } while (cursor && letters.length < max);
    return letters.slice(0, max);
  }

  /** Appends dead letters to the topic (or `targetTopic`) and removes them; resolves to how many. */
  async redriveDeadLetters(topic: string, request: RedriveRequest): Promise<number> {
    const response = await this.transport.request<{ redriven: number }>({
      method: 'POST',
      path: apiPath`/v1/topics/${topic}/dead-letters/redrive`,
      body: request,
      retry: 'if-refused',
    });
    return response.redriven;
  }

  async deleteDeadLetter(topic: string, group: string, id: string): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: apiPath`/v1/topics/${topic}/dead-letters/${id}`,
      query: { group },
      retry: 'if-refused',
    });
  }

  /** Creates a push subscription; an https target's `signingSecret` is in this answer only. */
  createSubscription(topic: string, request: CreateSubscriptionRequest): Promise<SubscriptionInfo> {
    return this.transport.request({ method: 'POST', path: apiPath`/v1/topics/${topic}/subscriptions`, body: request, retry: 'if-refused' });
  }

  async listSubscriptions(topic: string): Promise<SubscriptionInfo[]> {
    const response = await this.transport.request<{ subscriptions: SubscriptionInfo[] }>({
      method: 'GET',
      path: apiPath`/v1/topics/${topic}/subscriptions`,
      retry: 'idempotent',
    });
    return response.subscriptions;
  }

  /** A subscription with each partition's committed offset, lag and retry state. */
  describeSubscription(topic: string, name: string): Promise<SubscriptionDescription> {
    return this.transport.request({ method: 'GET', path: apiPath`/v1/topics/${topic}/subscriptions/${name}`, retry: 'idempotent' });
  }

  /** Pause, resume (or re-enable), change the filter or batching, or rotate the secret (not retried: a rotation repeated would rotate twice). */
  updateSubscription(topic: string, name: string, patch: UpdateSubscriptionRequest): Promise<SubscriptionInfo> {
    return this.transport.request({
      method: 'PATCH',
      path: apiPath`/v1/topics/${topic}/subscriptions/${name}`,
      body: patch,
      retry: patch.rotateSecret ? 'if-refused' : 'idempotent',
    });
  }

  async deleteSubscription(topic: string, name: string): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: apiPath`/v1/topics/${topic}/subscriptions/${name}`, retry: 'if-refused' });
  }

  /** Mints a token; its secret (`token`) is in this answer only. */
  createToken(name: string, permissions: Permission[]): Promise<CreatedToken> {
    return this.transport.request({ method: 'POST', path: '/v1/tokens', body: { name, permissions }, retry: 'if-refused' });
  }

  async listTokens(): Promise<TokenInfo[]> {
    const response = await this.transport.request<{ tokens: TokenInfo[] }>({ method: 'GET', path: '/v1/tokens', retry: 'idempotent' });
    return response.tokens;
  }

  /** Revokes a token (refused within 60 s: authorizers cache their answers). */
  async revokeToken(id: string): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: apiPath`/v1/tokens/${id}`, retry: 'if-refused' });
  }
}
