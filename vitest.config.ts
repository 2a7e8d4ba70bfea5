import { defineConfig } from 'vitest/config';

/** The tests of a LanceDB store against a real S3 server: they run with the server test/setup/s3.ts starts. */
const S3_TESTS = 'test/store/lance/**/*.test.ts';

export default defineConfig({
  test: {
    // removes the temp folders each test file made with test/temp.ts
    setupFiles: ['test/setup/temp.ts'],
    testTimeout: 120_000,
    // hooks build output folders with the CLI (a seed run takes 3 s alone, far longer on a busy 2-core machine running other files beside it)
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        // the CLI tests run the compiled papermap, so build it from the current sources first
        test: { name: 'papermap', exclude: ['**/node_modules/**', S3_TESTS], globalSetup: ['test/build.ts'] },
      },
      {
        extends: true,
        // SeaweedFS is built on a machine's first run (minutes) and started only when these tests are asked for
        test: { name: 'lance', include: [S3_TESTS], globalSetup: ['test/build.ts', 'test/setup/s3.ts'] },
      },
    ],
  },
});
