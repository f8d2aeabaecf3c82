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
  // Jest's default on a two-core machine is one worker, which runs every file in turn. The end-to-end
  // files mostly wait for modelled time, so two workers keep both cores busy; the tests assert outcomes,
  // not timings, so the contention this adds cannot fail them (docs/performance.md#test-suite).
  maxWorkers: 2,
  testSequencer: '<rootDir>/tests/setup/e2e-first-sequencer.mjs',
  reporters: ['default', '<rootDir>/tests/setup/summary-reporter.js'],
};
