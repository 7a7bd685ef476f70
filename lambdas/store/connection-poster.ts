/**
 * Posts live notifications through API Gateway's `@connections` API
 * (PostToConnection on the WebSocket API's management endpoint). A
 * GoneException means the client went away without `$disconnect` reaching
 * us: the caller then deletes the connection.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { LiveServerMessage } from '../../packages/client/src/protocol/live';
import type { ConnectionPoster } from '../core/live/ports';

export class ApiGatewayConnectionPoster implements ConnectionPoster {
  private readonly client: ApiGatewayManagementApiClient;

  /** `endpoint`: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
  constructor(endpoint: string, region: string, client?: ApiGatewayManagementApiClient) {
    this.client = client ?? new ApiGatewayManagementApiClient({ endpoint, region });
  }

  async post(connectionId: string, message: LiveServerMessage): Promise<'sent' | 'gone'> {
    try {
      await this.client.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(JSON.stringify(message)) }),
      );
      return 'sent';
    } catch (error) {
      if (error instanceof Error && error.name === 'GoneException') return 'gone';
      throw error;
    }
  }
}
