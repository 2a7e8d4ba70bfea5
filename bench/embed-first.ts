/**
 * `npm run bench:embed-first [-- --papers 100000,200000] [--model DIR] [--cli path/to/dist/src/cli.js]`
 *
 * The memory of `papermap embed` on a first build, when nothing is cached
 * and every paper's text must be read, tokenized and embedded: for each
 * size, a file store of synthetic papers (bench/synthetic.ts), then `embed`
 * as its own process under `time`: its seconds and peak RSS. The model is
 * by default the tiny BERT of the tests (2 layers of 32): its inference
 * costs little, so the figures are those of the texts and their word
 * pieces, not of the model (its word pieces are not MiniLM's: 254 a text on
 * the OHSUMED abstracts, against MiniLM's 224); `--model` names another
 * (the random-weight MiniLM of ../shared/models/perf for MiniLM's time).
 * `--cli` runs another build of papermap on the same papers (an
 * earlier commit's, for a before and after in one sitting).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT, realCorpus, syntheticPapers } from './synthetic.js';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

const SIZES = argument('papers', '100000,200000').split(',').map(Number);
const CLI = resolve(argument('cli', resolve(ROOT, 'dist/src/cli.js')));
const MODEL = resolve(argument('model', resolve(ROOT, 'test/fixtures/tiny-bert')));

const real = realCorpus();
for (const count of SIZES) {
  const out = syntheticPapers(real, count);
  try {
    const result = spawnSync('time', ['-f', '%e %M', process.execPath, CLI, 'embed', '--model', MODEL, '--json', '--out', out], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`papermap embed exited ${result.status}: ${result.stderr.slice(-2000)}`);
    const [seconds, kilobytes] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    const summary = JSON.parse(result.stdout) as { cached: number; embedded: number };
    console.log(
      `${count.toLocaleString('en-US')} papers, none cached (${summary.embedded} embedded): embed ${seconds.toFixed(0)} s, peak RSS ${(kilobytes / 1024).toFixed(0)} MB (${CLI})`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
