/** DynamoDB access for API tokens (the `tokens` table). */
import {
  DeleteCommand,
  GetCommand,
  paginateScan,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Permission, StoredToken, TokenStore, TokenSummary } from '../core/auth';
import { isConditionFailure } from './conditions';

function toSummary(item: Record<string, unknown>): TokenSummary {
  return {
    id: String(item.id),
    name: String(item.name),
    permissions: item.permissions as Permission[],
    createdAt: Number(item.createdAt),
  };
}

export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<StoredToken | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { id } }));
    if (!Item) return undefined;
    return { ...toSummary(Item), secretHash: String(Item.secretHash) };
  }

  async put(token: StoredToken): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...token },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  }

  /** A paged Scan that never reads the hash out of the table (projection). */
  async list(): Promise<TokenSummary[]> {
    const tokens: TokenSummary[] = [];
    const pages = paginateScan(
      { client: this.documents },
      {
        TableName: this.tableName,
        ProjectionExpression: '#id, #name, #permissions, #createdAt',
        ExpressionAttributeNames: { '#id': 'id', '#name': 'name', '#permissions': 'permissions', '#createdAt': 'createdAt' },
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) tokens.push(toSummary(item));
    return tokens;
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.documents.send(
        new DeleteCommand({ TableName: this.tableName, Key: { id }, ConditionExpression: 'attribute_exists(id)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
