import preset from '../../jest.preset.js';

// The tests build the real API in-process; its bull-board → @fastify/static requires content-disposition 3,
// which is ESM-only. Node 20 loads it through require(esm); jest (before Node 24.9) cannot, so jest compiles
// that one package to CommonJS (the same setting as apps/api).
export default {
  ...preset,
  displayName: 'cli',
  transform: {
    ...preset.transform,
    '/content-disposition/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/content-disposition@|content-disposition/)'],
};
