/**
 * `npm run bench:pipeline [-- --sizes 4000,10000,100000] [--embed-up-to 10000]`
 *
 * 1. Per-stage times of `papermap run` on the seeds, cold and then warm with
 *    nothing changed, with the shipped all-MiniLM-L6-v2 (the topics and labels
 *    a user gets), the MiniLM architecture (random weights, the same compute)
 *    and the builtin embedder; the cluster stage against the embed stage of
 *    the same run.
 * 2. The cluster stage against embedding at each size (target: at most 5%),
 *    in one run: synthetic papers with OHSUMED titles and abstracts, embedded
 *    by the embed stage with the MiniLM architecture up to --embed-up-to
 *    papers; past that their vectors are synthetic (bench/synthetic.ts) and
 *    the embedding time is the rate measured in this run on seed abstracts
 *    times the count. vectors.json names the MiniLM architecture either way,
 *    so the cluster stage embeds its label candidates with it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Clusters } from '../src/cluster/index.js';
import { clusterStage } from '../src/cluster/stage.js';
import { describeTransformer } from '../src/embed/model.js';
import { embedStage } from '../src/embed/stage.js';
import { runOneStage, type RunSummary } from '../src/runner/index.js';
import { defaultOptions } from '../src/runner/stages.js';
import { OutputFolder } from '../src/store/folder.js';
import { embeddingRate, realCorpus, ROOT, SPEED_MODEL, syntheticOutput, syntheticPapers } from './synthetic.js';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '4000,10000,100000' }, 'embed-up-to': { type: 'string', default: '10000' } },
});
// --sizes '' measures the seeds alone
const sizes = args.sizes.split(',').filter(Boolean).map(Number);
const embedUpTo = Number(args['embed-up-to']);
const CLI = resolve(ROOT, 'dist/src/cli.js');

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function run(out: string, model: string): RunSummary {
  const result = spawnSync(process.execPath, [CLI, 'run', '--input', resolve(ROOT, 'seeds'), '--out', out, '--model', model, '--json'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`papermap run failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as RunSummary;
}

const report: Record<string, unknown> = {};

console.log('papermap run on the seeds (408 papers), seconds per stage:');
console.log('  model                 run     ingest   embed   index  cluster  report   total   wall');
for (const [label, model, key] of [
  ['shipped MiniLM', 'auto', 'shipped'],
  ['MiniLM architecture', SPEED_MODEL, 'minilm-architecture'],
  ['builtin', 'builtin', 'builtin'],
] as const) {
  const out = mkdtempSync(join(tmpdir(), 'papermap-bench-'));
  for (const phase of ['cold', 'warm'] as const) {
    log(`${label}, ${phase}...`);
    const started = performance.now();
    const summary = run(out, model);
    const wall = (performance.now() - started) / 1000;
    const stages = Object.values(summary.stages).map((stage) => stage.seconds.toFixed(2).padStart(7));
    const ratio = phase === 'cold' ? `   cluster / embed ${((100 * summary.stages.cluster.seconds) / summary.stages.embed.seconds).toFixed(1)}%` : '';
    console.log(`  ${label.padEnd(20)}  ${phase}  ${stages.join(' ')} ${summary.seconds.toFixed(2).padStart(7)} ${wall.toFixed(2).padStart(6)}${ratio}`);
    report[`seeds ${key} ${phase}`] = {
      stages: summary.stages,
      seconds: summary.seconds,
      wallSeconds: wall,
    };
  }
}

if (sizes.length === 0) {
  console.log(`\n${JSON.stringify(report)}`);
  process.exit(0);
}
log('measuring the embedding speed of the MiniLM architecture...');
const textsPerSecond = await embeddingRate();
report.embedTextsPerSecond = textsPerSecond;
log('embedding the OHSUMED abstracts with the builtin embedder (the real vectors the synthetic ones are drawn from)...');
const real = realCorpus();
const speedModel = { model: SPEED_MODEL, modelIdentity: describeTransformer(SPEED_MODEL).identity };
const options = { ...defaultOptions(), model: SPEED_MODEL };

console.log(`\nthe cluster stage against embedding (MiniLM architecture; ${textsPerSecond.toFixed(1)} texts/s measured on 96 seed abstracts in this run):`);
console.log('   papers   embed s   how                 cluster s   cluster / embed   topics');
for (const count of sizes) {
  log(`${count} papers...`);
  const embedded = count <= embedUpTo;
  const folder = OutputFolder.writable(embedded ? syntheticPapers(real, count) : syntheticOutput(real, count, speedModel));
  const embedSeconds = embedded ? (await runOneStage(embedStage, folder, options)).seconds : count / textsPerSecond;
  const cluster = await runOneStage(clusterStage, folder, options);
  const k = (cluster.summary as Clusters).k;
  const share = cluster.seconds / embedSeconds;
  const how = embedded ? 'embed stage' : 'rate x count';
  console.log(
    `  ${String(count).padStart(7)}  ${embedSeconds.toFixed(1).padStart(8)}   ${how.padEnd(18)}  ${cluster.seconds.toFixed(1).padStart(9)}   ${(100 * share).toFixed(2).padStart(14)}%   ${k}`,
  );
  report[`${count} papers`] = { embedSeconds, embedMeasured: embedded, clusterSeconds: cluster.seconds, clusterShareOfEmbedding: share, k };
}
console.log(`\n${JSON.stringify(report)}`);
