#!/usr/bin/env node
// The `tributary` command. This file is committed (the compiled CLI in dist/
// is not) so that `npm install`/`npm ci` in the workspace can link the bin
// before `prepare` has built dist/: npm links a bin only when its file exists.
import '../dist/cli.mjs';
