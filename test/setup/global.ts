import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Once a `vitest run` (the projects inherit it; the first call does the
 * work): a temp folder of the run's own becomes the system temp folder
 * (TMPDIR) of every test and of every papermap or browser a test starts.
 * When the run ends, anything left in it is a test that did not remove what
 * it wrote: the run fails naming it, and the folder is removed.
 */
export default function setup(): (() => void) | undefined {
  if (process.env.PAPERMAP_TEST_TMPDIR) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'papermap-test-run-'));
  process.env.PAPERMAP_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
  return () => {
    const left = readdirSync(root).sort();
    rmSync(root, { recursive: true, force: true });
    if (left.length === 0) return;
    // vitest only reports an error thrown here: the exit code is what fails the run
    process.stderr.write(
      `papermap tests: ${left.length} thing(s) left in the temp folder (${left.slice(0, 10).join(', ')}${left.length > 10 ? ', ...' : ''}); make temp folders with tempFolder (test/temp.ts)\n`,
    );
    process.exitCode = 1;
  };
}
