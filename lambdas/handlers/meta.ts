/** Lambda: what describes the API itself — its OpenAPI 3.1 document — and the caller's token (whoami). */
import { createHttpHandler } from '../http/middleware';
import { openApiJson } from '../http/openapi';

export const handler = createHttpHandler({
  getOpenApi: async () => ({ statusCode: 200, body: JSON.parse(openApiJson()) as unknown }),
  // The identity the authorizer checked: never the secret (the token store keeps only its hash).
  whoami: async ({ identity }) => ({
    statusCode: 200,
    body: { id: identity.tokenId, name: identity.name, permissions: identity.permissions },
  }),
});
