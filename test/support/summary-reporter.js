/**
 * jest reporter (registered next to 'default' in jest.config.js): writes the
 * run's aggregated results, in the shape `jest --json` prints (numPassedTests,
 * numFailedTests, numPendingTests, numTotalTests, success, testResults with
 * name, status, message and assertionResults), to .jest-results.json in the
 * repository root, for .ci/run to read its closing `N passed, N failed` line
 * from. Prints nothing itself.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const OUTPUT = path.join(__dirname, '..', '..', '.jest-results.json');

/** jest's own --json formatter (a dependency of jest); the raw results when it cannot be loaded. */
function formatLikeJson(results) {
  try {
    return require('@jest/test-result').formatTestResults(results);
  } catch {
    return results;
  }
}

/** JSON text of `value`, without the coverage map, repeated references or BigInts. */
function toJson(value) {
  const seen = new WeakSet();
  return JSON.stringify(
    value,
    (key, v) => {
      if (key === 'coverageMap') return undefined;
      if (typeof v === 'bigint') return v.toString();
      if (v && typeof v === 'object') {
        if (seen.has(v)) return undefined;
        seen.add(v);
      }
      return v;
    },
    2,
  );
}

class SummaryReporter {
  constructor(globalConfig, options) {
    this.globalConfig = globalConfig;
    this.options = options || {};
  }

  onRunStart() {
    // A stale file from an earlier run must never be read as this run's results.
    fs.rmSync(OUTPUT, { force: true });
  }

  onRunComplete(contexts, results) {
    // jest 30 sets `success` only after the reporters' onRunComplete: compute it as jest does.
    const success =
      results.numFailedTests === 0 &&
      results.numRuntimeErrorTestSuites === 0 &&
      !(results.snapshot && results.snapshot.failure) &&
      !results.runExecError;
    const tmp = `${OUTPUT}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${toJson(formatLikeJson({ ...results, success }))}\n`);
    fs.renameSync(tmp, OUTPUT);
  }
}

module.exports = SummaryReporter;
