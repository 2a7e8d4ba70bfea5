/**
 * `npm run bench:pipeline [-- --sizes 10000,100000]`
 *
 * 1. Per-stage times of `papermap run` on the seeds, cold and then warm with
 *    nothing changed, with the MiniLM architecture (random weights, the real
 *    compute) and with the builtin embedder.
 * 2. Cluster + report time at 10k and 100k papers against the time it takes to
 *    embed as many papers (target: at most 10%). The papers are OHSUMED
 *    abstracts with synthetic vectors from bench/synthetic.ts, written
 *    straight into an output folder, so only index, cluster and report run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Clusters } from '../src/cluster/index.js';
import { clusterStage } from '../src/cluster/stage.js';
import { indexStage } from '../src/index/stage.js';
import { reportStage } from '../src/report/stage.js';
import { runOneStage, type RunSummary } from '../src/runner/index.js';
import { defaultOptions } from '../src/runner/stages.js';
import { OutputFolder } from '../src/store/folder.js';
import { embeddingRate, realCorpus, ROOT, SPEED_MODEL, syntheticOutput } from './synthetic.js';

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' } } });
const sizes = args.sizes.split(',').map(Number);
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
for (const [label, model] of [
  ['MiniLM architecture', SPEED_MODEL],
  ['builtin', 'builtin'],
] as const) {
  const out = mkdtempSync(join(tmpdir(), 'papermap-bench-'));
  for (const phase of ['cold', 'warm'] as const) {
    log(`${label}, ${phase}...`);
    const started = performance.now();
    const summary = run(out, model);
    const wall = (performance.now() - started) / 1000;
    const stages = Object.values(summary.stages).map((stage) => stage.seconds.toFixed(2).padStart(7));
    console.log(`  ${label.padEnd(20)}  ${phase}  ${stages.join(' ')} ${summary.seconds.toFixed(2).padStart(7)} ${wall.toFixed(2).padStart(6)}`);
    report[`seeds ${model === 'builtin' ? 'builtin' : 'minilm-architecture'} ${phase}`] = {
      stages: summary.stages,
      seconds: summary.seconds,
      wallSeconds: wall,
    };
  }
}

log('measuring the embedding speed of the MiniLM architecture...');
const textsPerSecond = await embeddingRate();
report.embedTextsPerSecond = textsPerSecond;
log('embedding the OHSUMED abstracts with the builtin embedder (the real vectors)...');
const real = realCorpus();

console.log(`\nat scale (synthetic vectors, ${real.dim} dimensions), seconds; embedding time at ${textsPerSecond.toFixed(1)} texts/s:`);
console.log('   papers    index  cluster   report   embed (est.)   cluster+report share');
for (const count of sizes) {
  log(`${count} papers...`);
  const folder = OutputFolder.writable(syntheticOutput(real, count));
  const index = await runOneStage(indexStage, folder, defaultOptions());
  const cluster = await runOneStage(clusterStage, folder, defaultOptions());
  const reported = await runOneStage(reportStage, folder, defaultOptions());
  const k = (cluster.summary as Clusters).k;
  const embedSeconds = count / textsPerSecond;
  const share = (cluster.seconds + reported.seconds) / embedSeconds;
  console.log(
    `  ${String(count).padStart(7)}  ${index.seconds.toFixed(1).padStart(7)}  ${cluster.seconds.toFixed(1).padStart(7)}  ${reported.seconds.toFixed(1).padStart(7)}  ${embedSeconds.toFixed(0).padStart(13)}   ${(100 * share).toFixed(2)}%  (k = ${k})`,
  );
  report[`${count} papers`] = {
    indexSeconds: index.seconds,
    clusterSeconds: cluster.seconds,
    reportSeconds: reported.seconds,
    embedSecondsEstimate: embedSeconds,
    clusterAndReportShareOfEmbedding: share,
    k,
  };
}
console.log(`\n${JSON.stringify(report)}`);
