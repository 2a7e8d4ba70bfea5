import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // the CLI tests run the compiled papermap, so build it from the current sources first
    globalSetup: ['test/build.ts'],
    // removes the temp folders each test file made with test/temp.ts
    setupFiles: ['test/setup/temp.ts'],
    testTimeout: 120_000,
    // hooks build output folders with the CLI (a seed run takes 3 s alone, far longer on a busy 2-core machine running other files beside it)
    hookTimeout: 180_000,
  },
});
