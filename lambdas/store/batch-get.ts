/** BatchGetItem over any number of keys: 100 per request, unprocessed keys retried with backoff. */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/** Strongly consistent reads of `keys` from one table; missing items are simply absent from the result. */
export async function batchGetAll(documents: DynamoDBDocumentClient, tableName: string, keys: readonly Item[]): Promise<Item[]> {
  const found: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending = keys.slice(i, i + 100);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const out = await documents.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...(out.Responses?.[tableName] ?? []));
      pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
      if (pending.length > 0) await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** attempt)));
    }
  }
  return found;
}
