/** Lambda: API token management (mint, list, revoke); every route needs `admin` on `*`. */
import { createToken, listTokens, revokeToken } from '../core/auth';
import { createHttpHandler } from '../http/middleware';
import { parseJsonBody } from '../http/schemas';
import { parseCreateToken, parseTokenId } from '../http/token-schemas';
import { getRuntime } from '../runtime';

export const handler = createHttpHandler({
  createToken: async (request) => {
    const { name, permissions } = parseCreateToken(parseJsonBody(request.body));
    const created = await createToken(getRuntime().tokens, name, permissions);
    // The only response that ever carries the secret: keep it out of every cache.
    return { statusCode: 201, body: created, headers: { 'Cache-Control': 'no-store' } };
  },
  listTokens: async () => ({ statusCode: 200, body: { tokens: await listTokens(getRuntime().tokens) } }),
  revokeToken: async (request) => {
    await revokeToken(getRuntime().tokens, parseTokenId(request.pathParameters.id));
    return { statusCode: 204 };
  },
});
