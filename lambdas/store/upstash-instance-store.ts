/**
 * State of the Upstash facade's consumer instances, in the groups table next
 * to the groups they consume from (lambdas/upstash/consumers.ts says what it
 * holds). Keys cannot meet the group items' `"{group}#{topic}"`: `~` is
 * neither in group nor in topic names.
 *
 *   gt = "~upstash#{group}", sk = "instance#{instance}"
 *       topics (L of M), lastAutoCommitAt (N), updatedAt (N)
 *       Written by every consume of the instance; one item per instance, so
 *       instances never contend.
 *   gt = "~upstash", sk = "{group}#{instance}"
 *       The registry `GET /consumers` queries (paged) instead of scanning the
 *       table. Written only when an instance is created or removed.
 */
import {
  DeleteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { InstanceState, InstanceStore, InstanceTopicState } from '../upstash/consumers';
import { batchGetAll } from './batch-get';

type Item = Record<string, unknown>;

const REGISTRY = '~upstash';
const stateKey = (group: string, instance: string) => ({ gt: `${REGISTRY}#${group}`, sk: `instance#${instance}` });
const registryKey = (group: string, instance: string) => ({ gt: REGISTRY, sk: `${group}#${instance}` });

function toState(group: string, instance: string, item: Item | undefined): InstanceState {
  const topics = Array.isArray(item?.topics) ? (item.topics as Item[]) : [];
  return {
    group,
    instance,
    lastAutoCommitAt: Number(item?.lastAutoCommitAt ?? 0),
    topics: topics.map(
      (t): InstanceTopicState => ({
        topic: String(t.topic),
        topicId: String(t.topicId),
        held: ((t.held as unknown[]) ?? []).map(Number),
        leaseExpiresAt: Number(t.leaseExpiresAt ?? 0),
        positions: ((t.positions as Item[]) ?? []).map((p) => ({
          partition: Number(p.partition),
          offset: Number(p.offset),
          epoch: Number(p.epoch),
        })),
      }),
    ),
  };
}

export class DynamoUpstashInstanceStore implements InstanceStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(group: string, instance: string): Promise<InstanceState | undefined> {
    const out = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: stateKey(group, instance), ConsistentRead: true }),
    );
    return out.Item ? toState(group, instance, out.Item) : undefined;
  }

  async save(state: InstanceState, created: boolean): Promise<void> {
    // Registered first: a listing may show an instance without state, never miss one that has it.
    if (created) {
      await this.documents.send(
        new PutCommand({ TableName: this.tableName, Item: { ...registryKey(state.group, state.instance), createdAt: this.now() } }),
      );
    }
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...stateKey(state.group, state.instance),
          topics: state.topics.map((t) => ({ ...t, held: [...t.held], positions: t.positions.map((p) => ({ ...p })) })),
          lastAutoCommitAt: state.lastAutoCommitAt,
          updatedAt: this.now(),
        },
      }),
    );
  }

  async remove(group: string, instance: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: stateKey(group, instance) }));
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: registryKey(group, instance) }));
  }

  async list(): Promise<InstanceState[]> {
    const registered: Array<{ group: string; instance: string }> = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#gt = :gt',
        ExpressionAttributeNames: { '#gt': 'gt' },
        ExpressionAttributeValues: { ':gt': REGISTRY },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        const at = sk.indexOf('#');
        registered.push({ group: sk.slice(0, at), instance: sk.slice(at + 1) });
      }
    }
    const items = await batchGetAll(this.documents, this.tableName, registered.map((r) => stateKey(r.group, r.instance)));
    const found = new Map(items.map((item) => [`${String(item.gt)}|${String(item.sk)}`, item]));
    return registered.map(({ group, instance }) => {
      const key = stateKey(group, instance);
      return toState(group, instance, found.get(`${key.gt}|${key.sk}`));
    });
  }
}
