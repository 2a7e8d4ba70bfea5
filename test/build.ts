import { execFileSync } from 'node:child_process';
import { chromiumPath } from '../scripts/chromium.js';

/** Set once this process has built: both test projects (vitest.config.ts) ask for a build, which one does. */
const BUILT = Symbol.for('papermap.test.built');

/**
 * Builds dist/ from the current sources (the CLI tests run it), bundles the
 * page's script (report.html inlines it), type-checks the tests, and has a
 * Chromium ready for the browser tests: where Debian's is absent, the npm
 * package's is unpacked here once, not by test files racing each other.
 * Both test projects (vitest.config.ts) ask for it; it runs once.
 */
export default async function build(): Promise<void> {
  const done = globalThis as unknown as Record<symbol, boolean>;
  if (done[BUILT]) return;
  done[BUILT] = true;
  const node = (...args: string[]) => execFileSync(process.execPath, args, { stdio: 'inherit' });
  node('node_modules/typescript/bin/tsc', '-p', 'tsconfig.json');
  node('dist/scripts/bundle-map.js');
  node('node_modules/typescript/bin/tsc', '-p', 'test/tsconfig.json');
  await chromiumPath();
}
