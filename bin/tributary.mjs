#!/usr/bin/env node
/**
 * The `tributary` command (package.json "bin"). It runs the TypeScript
 * source (cli/main.ts) through tsx's require hook rather than a prebuilt
 * bundle: nothing to build before `npx tributary` works in the repository,
 * and no bundle to fall out of date. The project is CommonJS, so tsx's CJS
 * API is the one that compiles its .ts files; commander (ESM-only) is
 * loaded by Node's require(esm) (Node 20.19+ / 22.12+). The CLI imports
 * only client/ and cli/ (plus the dependency-free error tables under
 * lambdas/), never the handlers, so middy's ESM-only packages never load.
 */
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';

register();
const require = createRequire(import.meta.url);
const { main } = require('../packages/client/src/cli/main.ts');
process.exitCode = await main(process.argv);
