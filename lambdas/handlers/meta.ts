/** Lambda: what describes the API itself — its OpenAPI 3.1 document. */
import { createHttpHandler } from '../http/middleware';
import { openApiJson } from '../http/openapi';

export const handler = createHttpHandler({
  getOpenApi: async () => ({ statusCode: 200, body: JSON.parse(openApiJson()) as unknown }),
});
