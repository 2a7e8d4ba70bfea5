/**
 * `npm run bench:embed-gather [-- --papers 200000,400000] [--cli path/to/dist/src/cli.js]`
 *
 * The memory of `papermap embed` when the embedding cache already holds every
 * paper's vector, as the step after embed shards finds it: for each size, a
 * file store of synthetic papers (bench/synthetic.ts) whose cache holds a
 * vector for each under the random-weight MiniLM's identity, then `embed` as
 * its own process under `time`: its seconds and peak RSS. `--cli` runs
 * another build of papermap on the same store (an earlier commit's, for a
 * before and after in one sitting).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { paperText } from '../src/embed/index.js';
import { transformerIn } from '../src/embed/model.js';
import { textHash, VectorCache } from '../src/store/cache.js';
import { OutputFolder } from '../src/store/folder.js';
import { forEachPaper } from '../src/store/read.js';
import { ROOT, realCorpus, SPEED_MODEL, syntheticPapers, syntheticVectors } from './synthetic.js';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

const SIZES = argument('papers', '200000,400000').split(',').map(Number);
const CLI = resolve(argument('cli', resolve(ROOT, 'dist/src/cli.js')));

/** A store of `count` papers whose cache holds a unit vector for each paper's text. */
function cachedStore(count: number): string {
  const real = realCorpus();
  const out = syntheticPapers(real, count);
  const { vectors } = syntheticVectors(real, count, count);
  const cache = new VectorCache(join(out, 'cache'), transformerIn(SPEED_MODEL, SPEED_MODEL).identity, real.dim);
  const hashes: string[] = [];
  forEachPaper(OutputFolder.existing(out), 'current', (paper) => hashes.push(textHash(paperText(paper))));
  for (let start = 0; start < count; start += 10_000) {
    const end = Math.min(count, start + 10_000);
    cache.add(hashes.slice(start, end), vectors.subarray(start * real.dim, end * real.dim));
  }
  cache.close();
  return out;
}

for (const count of SIZES) {
  const out = cachedStore(count);
  try {
    const result = spawnSync('time', ['-f', '%e %M', process.execPath, CLI, 'embed', '--model', SPEED_MODEL, '--json', '--out', out], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`papermap embed exited ${result.status}: ${result.stderr.slice(-2000)}`);
    const [seconds, kilobytes] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    const summary = JSON.parse(result.stdout) as { cached: number; embedded: number };
    console.log(
      `${count.toLocaleString('en-US')} papers, all cached (${summary.cached} cached, ${summary.embedded} embedded): embed ${seconds.toFixed(0)} s, peak RSS ${(kilobytes / 1024).toFixed(0)} MB (${CLI})`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
