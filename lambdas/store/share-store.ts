/**
 * DynamoDB access for share groups, in the groups table under their own
 * partition key (consumer-group names cannot contain ':', so the keys never
 * meet):
 *
 *   gt = "share:{topic}#{topicId}", sk = "{group}#{NNNNN}" (the partition)
 *       version (N)   bumped by every write; writes are conditional on it
 *       start, next   the start offset and the window's end
 *       w (S)         in-flight ranges, "from,count,a|v,deliveryCount,until,secret" joined by ";"
 *       dl (N)        records dead-lettered so far
 *       seen (M)      consumer id → member until (epoch ms)
 *
 * One key per topic incarnation, so the share groups of a topic are one
 * Query (the topic's readers list) and a recreated topic starts afresh. An
 * item is bounded by the 2000-record window: at worst 2000 one-record ranges
 * of about 50 bytes (~100 KB), in practice a few ranges (< 1 KB).
 */
import { DeleteCommand, GetCommand, paginateQuery, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StoredDeadLetter } from '../core/ports';
import type { ShareKey, ShareStore, WriteResult } from '../core/share/ports';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { SharePartitionState, WindowEntry } from '../core/share/state';
import { cancellationReasons, isConditionFailure, isTransactionConflict } from './conditions';
import { deadLetterItem } from './dead-letter-store';

type Item = Record<string, unknown>;

const pk = (topic: string, topicId: string) => `share:${topic}#${topicId}`;
const sk = (group: string, partition: number) => `${group}#${String(partition).padStart(5, '0')}`;

export function encodeEntries(entries: readonly WindowEntry[]): string {
  return entries.map((e) => `${e.from},${e.count},${e.state === 'acquired' ? 'a' : 'v'},${e.deliveryCount},${e.until},${e.secret}`).join(';');
}

export function decodeEntries(text: string): WindowEntry[] {
  if (text === '') return [];
  return text.split(';').map((part) => {
    const [from, count, state, deliveryCount, until, secret] = part.split(',');
    return {
      from: Number(from),
      count: Number(count),
      state: state === 'a' ? 'acquired' : 'available',
      deliveryCount: Number(deliveryCount),
      until: Number(until),
      secret: secret ?? '',
    };
  });
}

function toItem(key: ShareKey, state: SharePartitionState): Item {
  return {
    gt: pk(key.topic, key.topicId),
    sk: sk(key.group, state.partition),
    group: key.group,
    partition: state.partition,
    version: state.version,
    start: state.startOffset,
    next: state.nextOffset,
    w: encodeEntries(state.entries),
    dl: state.deadLettered,
    seen: { ...state.seen },
  };
}

function fromItem(item: Item): SharePartitionState {
  return {
    partition: Number(item.partition),
    version: Number(item.version),
    startOffset: Number(item.start),
    nextOffset: Number(item.next),
    entries: decodeEntries(typeof item.w === 'string' ? item.w : ''),
    deadLettered: Number(item.dl ?? 0),
    seen: Object.fromEntries(Object.entries((item.seen ?? {}) as Record<string, unknown>).map(([k, v]) => [k, Number(v)])),
  };
}

/** A raw item (as a failed condition returns it) in plain values: numbers, strings, maps of them. */
function plain(value: AttributeValue): unknown {
  if (value.N !== undefined) return Number(value.N);
  if (value.S !== undefined) return value.S;
  if (value.M !== undefined) return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, plain(v)]));
  return undefined;
}

function fromRaw(item: Record<string, AttributeValue> | undefined): SharePartitionState | undefined {
  return item ? fromItem(Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)]))) : undefined;
}

export class DynamoShareStore implements ShareStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly deadLettersTable: string | undefined,
  ) {}

  async get(key: ShareKey, partition: number): Promise<SharePartitionState | undefined> {
    const out = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { gt: pk(key.topic, key.topicId), sk: sk(key.group, partition) }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async list(topic: { name: string; topicId: string }, group?: string): Promise<Array<{ group: string; state: SharePartitionState }>> {
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: group ? '#gt = :gt AND begins_with(#sk, :group)' : '#gt = :gt',
        ExpressionAttributeNames: { '#gt': 'gt', ...(group ? { '#sk': 'sk' } : {}) },
        ExpressionAttributeValues: { ':gt': pk(topic.name, topic.topicId), ...(group ? { ':group': `${group}#` } : {}) },
        ConsistentRead: true,
      },
    );
    const out: Array<{ group: string; state: SharePartitionState }> = [];
    for await (const page of pages) {
      for (const item of page.Items ?? []) out.push({ group: String(item.group), state: fromItem(item) });
    }
    return out;
  }

  async write(key: ShareKey, expectedVersion: number, next: SharePartitionState, deadLetters: readonly StoredDeadLetter[]): Promise<WriteResult> {
    const condition: Omit<PutCommandInput, 'TableName' | 'Item'> =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(#sk)', ExpressionAttributeNames: { '#sk': 'sk' } }
        : { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': expectedVersion } };
    // The state that won comes back with the failure: the loser tries again without a read.
    const put: PutCommandInput = { TableName: this.tableName, Item: toItem(key, next), ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ...condition };
    try {
      if (deadLetters.length === 0) {
        await this.documents.send(new PutCommand(put));
      } else {
        if (!this.deadLettersTable) throw new Error('This function has no dead-letter table configured');
        const table = this.deadLettersTable;
        // A dead letter is written only together with the state change that removes the record
        // from the window, so it is written once per delivery cycle; after a reset re-offers the
        // record, dead-lettering it again replaces the earlier letter (same id) instead of failing.
        await this.documents.send(
          new TransactWriteCommand({ TransactItems: [{ Put: put }, ...deadLetters.map((letter) => ({ Put: { TableName: table, Item: deadLetterItem(letter) } }))] }),
        );
      }
      return { written: true };
    } catch (error) {
      if (isConditionFailure(error)) return { written: false, current: fromRaw(error.Item) };
      const reasons = cancellationReasons(error);
      if (reasons) return { written: false, current: fromRaw(reasons[0]?.Item) };
      if (isTransactionConflict(error)) return { written: false, current: undefined };
      throw error;
    }
  }

  async remove(key: ShareKey, partitions: readonly number[]): Promise<void> {
    await Promise.all(
      partitions.map((partition) =>
        this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { gt: pk(key.topic, key.topicId), sk: sk(key.group, partition) } })),
      ),
    );
  }
}
