import { existsSync } from 'node:fs';

export { OHSUMED, RANDOM_MINILM, SHARED_DIR } from '../bench/shared-data.js';

/**
 * Why tests that need these paths (from ../shared) cannot run here, printed
 * on stderr, or undefined when they can: the caller skips them.
 */
export function missingShared(...paths: string[]): string | undefined {
  const missing = paths.filter((path) => !existsSync(path));
  if (missing.length === 0) return undefined;
  const why = `skipped: ${missing.join(' and ')} not found; put the shared data beside the repository (../shared) or set PAPERMAP_SHARED to its folder`;
  process.stderr.write(`${why}\n`);
  return why;
}
