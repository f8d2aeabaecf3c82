/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // Middy 6 ships ESM only; everything else in node_modules is already CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/tests/setup/polyfills.ts'],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/tests/setup/summary-reporter.js'],
};
