import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // the CLI tests run the compiled papermap, so build it from the current sources first
    globalSetup: ['test/build.ts'],
    testTimeout: 60_000,
  },
});
