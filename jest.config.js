// Two projects: fast unit tests beside the code, end-to-end tests in test/ against a real
// Kafka broker (started by the global setup unless KAFKA_BROKERS is set) and PostgreSQL.
// Type-checking is done once by `tsc --noEmit` in `npm test`, so ts-jest only transpiles.
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
// The libs' path aliases (tsconfig.json `paths`), as tsc-alias rewrites them in the build.
const moduleNameMapper = { '^@pdp/([a-z-]+)$': '<rootDir>/libs/$1/src' };

module.exports = {
  // Hooks start brokers and apps; a test waits for messages to cross the hub.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/docs/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/e2e-global-teardown.ts',
    },
  ],
};
