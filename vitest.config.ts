import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // the CLI tests run the compiled papermap, so build it from the current sources first
    globalSetup: ['test/build.ts'],
    testTimeout: 120_000,
    // setup runs papermap on the seeds; on a loaded 2-core machine that can take far longer than vitest's 10 s
    hookTimeout: 120_000,
  },
});
