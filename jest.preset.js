// Shared jest setup: TypeScript compiled by swc to ESM, so ESM-only deps (got, p-retry) load.
// Run jest as `node --experimental-vm-modules` (each package's `test` script does).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
    // bull-board's @fastify/static requires content-disposition 3, and fastify's inject (light-my-request, used
    // by the console to call the admin API in process) requires cookie 2: both ESM-only. Node 20 loads them
    // through require(esm); jest (before Node 24.9) cannot, so jest compiles those packages to CommonJS.
    '/(content-disposition|cookie)/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/(content-disposition|cookie)@|(content-disposition|cookie)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: [
    '<rootDir>/src/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
    '<rootDir>/e2e/**/*.test.ts',
    '<rootDir>/chaos/**/*.test.ts',
  ],
  testTimeout: 30000,
};
