import { defineConfig } from 'vitest/config';

// One runner for every TypeScript test, in two projects: `unit` (each component's tests, in
// parallel) and `e2e` (the whole platform, run on its own so it has both cores).
// Forks (not threads): the Temporal native bridge, onnxruntime-node and sharp load native code
// that must not share a worker thread.
const shared = { pool: 'forks', testTimeout: 120_000, hookTimeout: 300_000 } as const;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['*/src/**/*.test.ts', '*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'infra/test/**'],
        },
      },
      {
        // One file at a time: each trains models, and two at once on two cores only slow each other.
        test: { ...shared, name: 'e2e', include: ['infra/test/**/*.test.ts'], testTimeout: 3_600_000, fileParallelism: false },
      },
    ],
  },
});
