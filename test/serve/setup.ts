import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve('dist/src/cli.js');

/** An output folder with `papermap run` done on the seeds (builtin embedder). */
export function seedsOutput(): string {
  const out = mkdtempSync(join(tmpdir(), 'papermap-serve-'));
  const result = spawnSync(process.execPath, [CLI, 'run', '--input', resolve('seeds'), '--out', out, '--model', 'builtin'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`papermap run failed: ${result.stderr}`);
  return out;
}
