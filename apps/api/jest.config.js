import preset from '../../jest.preset.js';

// bull-board's @fastify/static requires content-disposition 3, which is ESM-only. Node 20 loads it through
// require(esm); jest (before Node 24.9) cannot, so jest compiles that one package to CommonJS.
export default {
  ...preset,
  displayName: 'api',
  transform: {
    ...preset.transform,
    '/content-disposition/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/content-disposition@|content-disposition/)'],
};
