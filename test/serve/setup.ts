import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { tempFolder } from '../temp.js';

export const CLI = resolve('dist/src/cli.js');

/** An output folder with `papermap run` done on the seeds (builtin embedder). */
export function seedsOutput(): string {
  return runOn(tempFolder('serve'), [resolve('seeds')]);
}

/** `papermap run` (builtin embedder) of these inputs into `out`. */
export function runOn(out: string, inputs: string[]): string {
  const result = spawnSync(process.execPath, [CLI, 'run', '--input', ...inputs, '--out', out, '--model', 'builtin'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`papermap run failed: ${result.stderr}`);
  return out;
}
