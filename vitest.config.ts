import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Six projects, all run by `npm test`; `npx vitest run --project unit` runs
 * one. A test file is in the first five by name, or else in unit. Timeouts
 * are for a loaded 2-core machine: a test that needs more belongs in a bench.
 */
interface Project {
  name: string;
  include: string[];
  exclude?: string[];
  /** Of a test and of a hook, in ms. */
  timeout: number;
  /** Set-up for this project alone, after the run's own (GLOBAL_SETUP). */
  setup?: string[];
}

/** A temp folder of the run's own, whose leftovers fail the run (test/setup/global.ts); then dist/ built from the current
 * sources (the CLI, the worker threads and report.html's script run from it) and a Chromium at hand (test/setup/build.ts). */
const GLOBAL_SETUP = ['test/setup/global.ts', 'test/setup/build.ts'];

const projects: Project[] = [
  {
    // the stages on real output folders, in process (their worker threads run from dist/)
    name: 'stages',
    include: [
      'test/api.test.ts',
      'test/cluster/{cluster,team,update}.test.ts',
      'test/embed/{embed,task}.test.ts',
      'test/index/parts.test.ts',
      'test/report/{map,news}.test.ts',
    ],
    timeout: 300_000,
  },
  {
    // the built papermap as a user runs it
    name: 'cli',
    include: [
      'test/cli.test.ts',
      'test/embed/{model,vectors}.test.ts',
      'test/examples/*.test.ts',
      'test/package.test.ts',
      'test/hostile/{damaged,inputs,options}.test.ts',
      'test/recommend/recommend.test.ts',
      'test/serve/api.test.ts',
      'test/store/lance-folder.test.ts',
    ],
    timeout: 600_000,
  },
  {
    // report.html in Chromium (scripts/chromium.ts: Debian's, or the npm package's)
    name: 'browser',
    include: ['test/serve/browser.test.ts'],
    timeout: 300_000,
  },
  {
    // thousands of papers and worker threads; OHSUMED and the random MiniLM from ../shared, skipped (saying so) when absent
    name: 'scale',
    include: ['test/hostile/interrupt.test.ts', 'test/index/{incremental,threads}.test.ts'],
    timeout: 900_000,
  },
  {
    // a LanceDB store at a real S3 server (SeaweedFS, built once a machine from Go's module proxy: scripts/s3-server.ts)
    name: 'lance',
    include: ['test/store/lance/**/*.test.ts'],
    timeout: 900_000,
    setup: ['test/setup/s3.ts'],
  },
];

/** Every other test file: pure functions and in-process work on small data, with no CLI or worker thread. */
const unit: Project = {
  name: 'unit',
  include: ['test/**/*.test.ts'],
  exclude: [...configDefaults.exclude, ...projects.flatMap((project) => project.include)],
  timeout: 60_000,
};

export default defineConfig({
  test: {
    globalSetup: GLOBAL_SETUP,
    // removes the temp folders each test file made with test/temp.ts
    setupFiles: ['test/setup/temp.ts'],
    projects: [unit, ...projects].map(({ name, include, exclude, timeout, setup }) => ({
      extends: true as const,
      test: {
        name,
        include,
        ...(exclude ? { exclude } : {}),
        ...(setup ? { globalSetup: [...GLOBAL_SETUP, ...setup] } : {}),
        testTimeout: timeout,
        hookTimeout: timeout,
      },
    })),
  },
});
