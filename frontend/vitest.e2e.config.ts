import { defineConfig } from 'vitest/config';

// Browser tests against the real `tessera serve` binary (TESSERA_BIN).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
