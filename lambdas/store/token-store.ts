/** DynamoDB access for API tokens (the `tokens` table). */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Permission, StoredToken, TokenStore } from '../core/auth';

export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<StoredToken | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { id } }));
    if (!Item) return undefined;
    return {
      id: String(Item.id),
      name: String(Item.name),
      secretHash: String(Item.secretHash),
      permissions: Item.permissions as Permission[],
      createdAt: Number(Item.createdAt),
    };
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
}
