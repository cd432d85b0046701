/**
 * Two tiers in one run. `unit`: pure logic, needing neither the broker nor chDB nor a process of
 * ours (`npm run test:unit`, seconds). `integration`: contract tests of both event-log adapters,
 * chDB, the API over HTTP and graphql-ws, the CLI and services as processes, the dashboard in
 * Chromium, the deployment manifests; its globalSetup starts what they need.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

/** Test files of the unit tier, as path patterns below the repository root. */
const UNIT_TESTS = [
  'libs/analytics/src/(config|insert-encoded|result-rows|queries/leaderboard|sql/read-only-sql)\\.test\\.ts$',
  'libs/event-log/src/kafka/split-by-bytes\\.test\\.ts$',
  'libs/event-log/src/kafka/kafka-compression\\.test\\.ts$',
  'libs/event-log/src/embedded/record-block\\.test\\.ts$',
  'libs/events/src/schema-registry\\.test\\.ts$',
  'libs/loop/src/(canonical-hash|metrics|reward|rng|rng-lanes|sampler)\\.test\\.ts$',
  'libs/loop/src/(curriculum|policy|replay|tasks)/[^/]+\\.test\\.ts$',
  'services/api/src/(graphql/[^/]+|lru-map)\\.test\\.ts$',
  'services/projector/src/write-plan\\.test\\.ts$',
];

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/test'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@xp/(api|cli|dashboard|projector)$': '<rootDir>/services/$1/src',
    '^@xp/([a-z-]+)$': '<rootDir>/libs/$1/src',
  },
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testRegex: UNIT_TESTS.map((pattern) => `/${pattern}`),
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/', '/dist/', ...UNIT_TESTS.map((pattern) => `<rootDir>/${pattern}`),
      ],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
};
