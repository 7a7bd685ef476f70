/**
 * Four kinds of test, named by suffix:
 *   *.unit.test.ts  pure logic, no I/O
 *   *.int.test.ts   the engine against real DynamoDB Local and the S3 emulator
 *   *.cdk.test.ts   assertions on the synthesized CloudFormation template
 *   *.e2e.test.ts   the HTTP API as a client sees it: the local server, or any
 *                   deployed URL when TRIBUTARY_URL and TRIBUTARY_TOKEN are set
 *   *.browser.test.ts  the web console in headless Chromium against the local server
 * The global setup starts DynamoDB Local and s3rver once per run, on free
 * loopback ports, and the teardown stops them.
 */
const shared = {
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  moduleNameMapper: {
    '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js',
    // The service's tests use the client's TypeScript source; the published package is its compiled dist/.
    '^@tributary/client$': '<rootDir>/packages/client/src/index.ts',
  },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/packages/client/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // Global option (not per project): 'default' output plus .jest-results.json for .ci/run.
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.unit.test.ts'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.int.test.ts'] },
    { ...shared, displayName: 'cdk', testMatch: ['<rootDir>/test/**/*.cdk.test.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e.test.ts'] },
    { ...shared, displayName: 'browser', testMatch: ['<rootDir>/test/**/*.browser.test.ts'] },
  ],
};
