/**
 * Writes docs/openapi.json, the OpenAPI 3.1 description of the HTTP API (/v1 and /upstash),
 * generated from the route table and the validation schemas
 * (lambdas/http/openapi.ts). Run `npm run openapi` after changing a route
 * or a schema; test/unit/openapi.unit.test.ts fails until you do.
 *
 *   npm run openapi            write the file
 *   npm run openapi -- --check exit 1 if the file is not up to date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiJson } from '../lambdas/http/openapi';

export const OPENAPI_FILE = join(__dirname, '..', 'docs', 'openapi.json');

const current = (() => {
  try {
    return readFileSync(OPENAPI_FILE, 'utf8');
  } catch {
    return undefined;
  }
})();
const fresh = openApiJson();
if (process.argv.includes('--check')) {
  if (current !== fresh) {
    process.stderr.write(`${OPENAPI_FILE} is out of date: run npm run openapi\n`);
    process.exit(1);
  }
  process.stdout.write(`${OPENAPI_FILE} is up to date\n`);
} else {
  writeFileSync(OPENAPI_FILE, fresh);
  process.stdout.write(`${current === fresh ? 'unchanged' : 'wrote'} ${OPENAPI_FILE}\n`);
}
