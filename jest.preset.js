// Shared jest setup: TypeScript compiled by swc to ESM, so ESM-only deps (got, p-retry) load.
// Run jest as `node --experimental-vm-modules` (see scripts/jest.mjs).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts', '<rootDir>/e2e/**/*.test.ts'],
  testTimeout: 30000,
};
