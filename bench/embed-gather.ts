/**
 * `npm run bench:embed-gather [-- --papers 200000,400000] [--store files|lance] [--cli path/to/dist/src/cli.js]`
 *
 * The memory of `papermap embed` when the embedding cache already holds every
 * paper's vector, as the step after embed shards finds it: for each size, a
 * store of synthetic papers (bench/synthetic.ts) whose cache holds a vector
 * for each under the random-weight MiniLM's identity, then `embed` as its own
 * process under `time`: its seconds and peak RSS. The store is a file store,
 * or with `--store lance` a LanceDB store in a folder (made by `papermap
 * ingest`, its embeddings table filled as embed tasks would leave it).
 * `--cli` runs another build of papermap on the same store (an earlier
 * commit's, for a before and after in one sitting).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { paperText } from '../src/embed/index.js';
import { transformerIn } from '../src/embed/model.js';
import { textHash, VectorCache } from '../src/store/cache.js';
import { OutputFolder } from '../src/store/folder.js';
import { forEachPaper } from '../src/store/read.js';
import { fillLanceCache, ROOT, realCorpus, SPEED_MODEL, syntheticInput, syntheticPapers, syntheticVectors } from './synthetic.js';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

const SIZES = argument('papers', '200000,400000').split(',').map(Number);
const OWN_CLI = resolve(ROOT, 'dist/src/cli.js');
const CLI = resolve(argument('cli', OWN_CLI));
/** The environment papermap runs in: this one as it started, before filling a LanceDB store set LanceDB's settings in it (backend.ts). */
const ENV = { ...process.env };
const STORE = argument('store', 'files');
if (STORE !== 'files' && STORE !== 'lance') throw new Error(`--store is files or lance, not ${STORE}`);

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

/** A LanceDB store in a folder of `count` papers, ingested by papermap, whose embeddings table holds each one's vector. */
async function cachedLanceStore(count: number): Promise<string> {
  const real = realCorpus();
  const dir = mkdtempSync(join(tmpdir(), 'papermap-bench-'));
  const { input, vectors, texts } = syntheticInput(real, count, dir);
  const out = join(dir, 'store');
  // made by this build whatever --cli runs, so that both builds meet the same store
  const ingest = spawnSync(process.execPath, [OWN_CLI, 'ingest', '--store', 'lance', '--input', input, '--out', out], { encoding: 'utf8', env: ENV });
  if (ingest.status !== 0) throw new Error(`papermap ingest exited ${ingest.status}: ${ingest.stderr.slice(-2000)}`);
  rmSync(input);
  await fillLanceCache(out, transformerIn(SPEED_MODEL, SPEED_MODEL).identity, texts, vectors, real.dim, count);
  return dir;
}

for (const count of SIZES) {
  // the folder to remove afterwards, and the store in it
  const made = STORE === 'files' ? cachedStore(count) : await cachedLanceStore(count);
  const out = STORE === 'files' ? made : join(made, 'store');
  try {
    const result = spawnSync('time', ['-f', '%e %M', process.execPath, CLI, 'embed', '--model', SPEED_MODEL, '--json', '--out', out], {
      encoding: 'utf8',
      env: ENV,
    });
    if (result.status !== 0) throw new Error(`papermap embed exited ${result.status}: ${result.stderr.slice(-2000)}`);
    const [seconds, kilobytes] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    const summary = JSON.parse(result.stdout) as { cached: number; embedded: number };
    console.log(
      `${count.toLocaleString('en-US')} papers${STORE === 'lance' ? ' in a LanceDB store' : ''}, all cached (${summary.cached} cached, ${summary.embedded} embedded): embed ${seconds.toFixed(0)} s, peak RSS ${(kilobytes / 1024).toFixed(0)} MB (${CLI})`,
    );
  } finally {
    rmSync(made, { recursive: true, force: true });
  }
}
