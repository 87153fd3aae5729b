/** Unit tests sit beside the code; integration tests under subgraphs/<name>/test and e2e/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/platform', '<rootDir>/subgraphs', '<rootDir>/gateway', '<rootDir>/e2e', '<rootDir>/schema', '<rootDir>/scripts'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
      module: { type: 'commonjs' },
    }],
  },
  // jose and graphql-ws ship ESM only; jest's module system needs them transformed.
  transformIgnorePatterns: ['/node_modules/(?!(jose|graphql-ws)/)'],
  testTimeout: 60000,
  maxWorkers: 4,
};
