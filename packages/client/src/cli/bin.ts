#!/usr/bin/env node
/**
 * The `tributary` command (the package's `bin`, compiled to dist/cli.mjs):
 * runs the CLI on the process's arguments and exits with its code.
 */
import { main } from './main';

process.exitCode = await main(process.argv);
