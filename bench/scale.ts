/**
 * `npm run bench:scale [-- --sizes 100000,1000000] [--update 1000]`
 *
 * papermap at arXiv scale. For each size: synthetic papers (OHSUMED titles
 * and abstracts, vectors as bench/synthetic.ts makes them) are written as a
 * JSON Lines input, and their vectors are put in the embedding cache under
 * the shipped model's identity, so that what is timed is everything but the
 * model. Each stage runs as its own process (`papermap <stage>`), timed, with
 * its peak RSS; then a nightly update adds `--update` papers and the stages
 * run again on the same folder. Embedding time is the measured rate of the
 * shipped model on seed abstracts times the number of papers. Also measured:
 * recall@10 of the stored neighbours against exact search after the full
 * build and after the update, report.html's size and the seconds Chromium
 * takes to open it and draw the map. The same nightly update is also timed
 * as the CI recipe runs it: one `papermap run` process on a copy of the
 * folder as the full build left it (stage seconds from its --json summary).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../scripts/chromium.js';
import { parseArgs } from 'node:util';
import { textHash, VectorCache } from '../src/store/cache.js';
import { paperText } from '../src/embed/index.js';
import { describeTransformer, SHIPPED_MODEL_DIR } from '../src/embed/model.js';
import { OutputFolder } from '../src/store/folder.js';
import { readNeighbours } from '../src/store/neighbours.js';
import { readClustersFile, readIndexInfo, readPapers, readVectors } from '../src/store/read.js';
import { exactNeighbours } from '../src/graph/neighbours.js';
import { sampleRows } from '../src/shared/random.js';
import { realCorpus, ROOT, syntheticVectors, embeddingRate, type RealCorpus } from './synthetic.js';

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000' }, update: { type: 'string', default: '1000' } } });
const sizes = args.sizes.split(',').map(Number);
const update = Number(args.update);
const CLI = resolve(ROOT, 'dist/src/cli.js');
const STAGES = ['ingest', 'embed', 'index', 'cluster', 'report'] as const;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Runs `papermap <stage>` in its own process under GNU time: wall seconds and peak RSS in MB. */
function timed(stage: string, input: string, out: string): { seconds: number; peakMb: number } {
  const extra = stage === 'ingest' ? ['--input', input] : [];
  const result = spawnSync('time', ['-f', '%e %M', process.execPath, CLI, stage, ...extra, '--out', out], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`papermap ${stage} failed: ${result.stderr.slice(-2000)}`);
  const [seconds, kilobytes] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds, peakMb: kilobytes / 1024 };
}

/** `papermap run` on a folder, in one process under GNU time: each stage's seconds (from --json) and the peak RSS in MB. */
function timedRun(input: string, out: string): { stages: Record<string, number>; peakMb: number } {
  const result = spawnSync('time', ['-f', '%e %M', process.execPath, CLI, 'run', '--input', input, '--out', out, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (result.status !== 0) throw new Error(`papermap run failed: ${result.stderr.slice(-2000)}`);
  const summary = JSON.parse(result.stdout) as { stages: Record<string, { status: string; seconds: number }> };
  const kilobytes = Number(result.stderr.trim().split('\n').pop()!.split(' ')[1]);
  return { stages: Object.fromEntries(Object.entries(summary.stages).map(([stage, outcome]) => [stage, outcome.seconds])), peakMb: kilobytes / 1024 };
}

/** Appends `count` synthetic papers, from row `first`, to a JSON Lines file, a block at a time. */
function writePapers(path: string, real: RealCorpus, sources: Int32Array, first: number, count: number): void {
  const fd = openSync(path, 'a');
  try {
    for (let start = first; start < first + count; start += 10_000) {
      const lines: string[] = [];
      for (let row = start; row < Math.min(first + count, start + 10_000); row++) {
        const record = real.records[sources[row]];
        lines.push(JSON.stringify({ id: `s${row}`, title: `${record.title} (${row})`, abstract: record.abstract }));
      }
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
}

/** Puts the vectors of the ingested papers `from`.. in the cache under the shipped model's identity, as embed would have. */
function cacheVectors(out: string, vectors: Float32Array, dim: number, identity: string, from: number): void {
  const { papers } = readPapers(OutputFolder.existing(out));
  const cache = new VectorCache(join(out, 'cache'), identity, dim);
  for (let start = from; start < papers.length; start += 10_000) {
    const rows = papers.slice(start, Math.min(papers.length, start + 10_000));
    // papers.jsonl keeps input order, and the synthetic ids say which vector is whose
    const block = new Float32Array(rows.length * dim);
    rows.forEach((paper, row) => block.set(vectors.subarray(Number(paper.id.slice(1)) * dim, (Number(paper.id.slice(1)) + 1) * dim), row * dim));
    cache.add(
      rows.map((paper) => textHash(paperText(paper))),
      block,
    );
  }
  cache.close();
}

/** Seconds from opening report.html as a file in headless Chromium (as test/serve/browser.test.ts runs it) until every paper of its map is drawn and on screen. */
async function openSeconds(htmlPath: string): Promise<number> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const start = performance.now();
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load', timeout: 120_000 });
    // the page sets data-drawn on the canvas to the papers drawn; once it is all of them, two frames later that drawing is on screen
    await page.waitForFunction(
      () => {
        const map = document.getElementById('map');
        return map?.dataset.drawn !== undefined && map.dataset.drawn === map.dataset.total;
      },
      undefined,
      { timeout: 120_000 },
    );
    await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    return (performance.now() - start) / 1000;
  } finally {
    await browser.close();
  }
}

/** Papers whose neighbours are checked against exact search (old ones, and as many new): exact search over a million papers is slow. */
const recallSample = (count: number) => Math.min(500, Math.round(1e8 / count));

/**
 * recall@10 of neighbours.bin against exact search, over the given rows: the
 * share of each paper's 10 exact nearest other papers that its stored list
 * holds.
 */
function recallAt10(out: string, rows: readonly number[]): number {
  const folder = OutputFolder.existing(out);
  const { info, vectors } = readVectors(folder);
  const stored = readNeighbours(folder, readIndexInfo(folder, info));
  const queries = new Float32Array(rows.length * info.dim);
  rows.forEach((row, index) => queries.set(vectors.subarray(row * info.dim, (row + 1) * info.dim), index * info.dim));
  const exact = exactNeighbours(vectors, info.dim, queries, 10, (query, label) => label === rows[query]);
  let found = 0;
  rows.forEach((row, index) => {
    const kept = new Set(stored.labels.subarray(row * stored.k, row * stored.k + 10));
    for (const label of exact.labels.subarray(index * 10, index * 10 + 10)) if (kept.has(label)) found++;
  });
  return found / (rows.length * 10);
}

log('embedding the OHSUMED abstracts with the builtin embedder (the real vectors the synthetic ones come from)...');
const real = realCorpus();
const identity = describeTransformer(SHIPPED_MODEL_DIR).identity;
const results: Record<string, unknown> = {};

console.log('\nbench:scale: seconds and peak RSS (MB) of each stage, its own process\n');
for (const count of sizes) {
  // the embedding rate is measured before and after the stages, so that a machine busier at one time than another shows
  log('measuring the embedding rate of the shipped all-MiniLM-L6-v2...');
  const rateBefore = await embeddingRate(SHIPPED_MODEL_DIR);
  const root = mkdtempSync(join(tmpdir(), 'papermap-scale-'));
  const inputDir = join(root, 'input');
  const out = join(root, 'output');
  mkdirSync(inputDir);
  log(`${count} papers: making them...`);
  const { vectors, sources } = syntheticVectors(real, count + update, count);
  writePapers(join(inputDir, 'night1.jsonl'), real, sources, 0, count);

  const full: Record<string, { seconds: number; peakMb: number }> = {};
  for (const stage of STAGES) {
    log(`${count} papers: ${stage}...`);
    full[stage] = timed(stage, inputDir, out);
    if (stage === 'ingest') cacheVectors(out, vectors, real.dim, identity, 0);
  }
  const fullRecall = recallAt10(out, Array.from(sampleRows(count, recallSample(count), 1)));
  // the folder as the full build left it, for the nightly update as one papermap run
  const asBuilt = join(root, 'as-built');
  cpSync(out, asBuilt, { recursive: true });
  // the copy (8 GB at a million papers) is written out before the night is timed: its writeback is not the night's work
  spawnSync('sync');
  log(`${count} papers: a nightly update of ${update} papers...`);
  writePapers(join(inputDir, 'night2.jsonl'), real, sources, count, update);
  const nightly: Record<string, { seconds: number; peakMb: number }> = {};
  for (const stage of STAGES) {
    nightly[stage] = timed(stage, inputDir, out);
    if (stage === 'ingest') cacheVectors(out, vectors, real.dim, identity, count);
  }
  // the new papers and as many old ones: an old paper's list changes only where a new paper now belongs in it
  // the same night as one process, the new papers' vectors in its cache as the stage-by-stage night had them
  log(`${count} papers: the same nightly update as one papermap run...`);
  rmSync(join(asBuilt, 'cache'), { recursive: true });
  cpSync(join(out, 'cache'), join(asBuilt, 'cache'), { recursive: true });
  spawnSync('sync');
  const oneRun = timedRun(inputDir, asBuilt);
  rmSync(asBuilt, { recursive: true, force: true });
  const nightlyRecall = recallAt10(out, [
    ...Array.from(sampleRows(count, recallSample(count), 2)),
    ...Array.from({ length: Math.min(update, recallSample(count)) }, (_, index) => count + index),
  ]);
  const html = statSync(join(out, 'report.html')).size / 1e6;
  const opens = await openSeconds(join(out, 'report.html'));
  const markdown = statSync(join(out, 'report.md')).size / 1e6;
  const rateAfter = await embeddingRate(SHIPPED_MODEL_DIR);
  const rate = (rateBefore + rateAfter) / 2;
  const embedSeconds = count / rate;
  const nonEmbedding = (runs: typeof full) => STAGES.filter((stage) => stage !== 'embed').reduce((sum, stage) => sum + runs[stage].seconds, 0);
  const folder = OutputFolder.existing(out);
  const { info } = readVectors(folder);
  const index = readIndexInfo(folder, info);
  const topics = readClustersFile(folder, 'current').history;

  console.log(`${count.toLocaleString('en-US')} papers          full build          nightly +${update}`);
  console.log('  stage       seconds   peak MB     seconds   peak MB');
  for (const stage of STAGES) {
    console.log(
      `  ${stage.padEnd(9)} ${full[stage].seconds.toFixed(1).padStart(9)} ${full[stage].peakMb.toFixed(0).padStart(9)}   ${nightly[stage].seconds.toFixed(1).padStart(9)} ${nightly[stage].peakMb.toFixed(0).padStart(9)}`,
    );
  }
  console.log(
    `  embedding: ${rate.toFixed(1)} texts/s (shipped model on seed abstracts, ${rateBefore.toFixed(1)} before the stages, ${rateAfter.toFixed(1)} after)`,
  );
  console.log(`  ingest: ${(count / full.ingest.seconds).toFixed(0)} records/s (target >= 20,000)`);
  console.log(
    `  non-embedding stages: full ${nonEmbedding(full).toFixed(0)} s = ${((100 * nonEmbedding(full)) / embedSeconds).toFixed(1)}% of embedding ${count.toLocaleString('en-US')} papers (${embedSeconds.toFixed(0)} s; target <= 10%), nightly ${nonEmbedding(nightly).toFixed(1)} s (target <= 60 s)`,
  );
  console.log(
    `  recall@10 against exact search: full build ${fullRecall.toFixed(4)}, after the nightly update ${nightlyRecall.toFixed(4)} (${recallSample(count)} old papers and ${Math.min(update, recallSample(count))} new)`,
  );
  const oneRunNonEmbedding = STAGES.filter((stage) => stage !== 'embed').reduce((sum, stage) => sum + oneRun.stages[stage], 0);
  console.log(
    `  nightly as one \`papermap run\` (as the CI recipe runs it): non-embedding ${oneRunNonEmbedding.toFixed(1)} s (${STAGES.filter(
      (stage) => stage !== 'embed',
    )
      .map((stage) => `${stage} ${oneRun.stages[stage].toFixed(1)}`)
      .join(', ')}), embed ${oneRun.stages.embed.toFixed(1)} s, peak RSS ${oneRun.peakMb.toFixed(0)} MB`,
  );
  console.log(
    `  peak RSS: ${Math.max(...STAGES.map((stage) => Math.max(full[stage].peakMb, nightly[stage].peakMb))).toFixed(0)} MB (target <= 6,000); report.html ${html.toFixed(1)} MB (target < 30), open in Chromium ${opens.toFixed(1)} s (target < 5); report.md ${markdown.toFixed(2)} MB; index update ${JSON.stringify(index.update)}; topics ${topics.run}: ${topics.reason}\n`,
  );
  results[`${count}`] = {
    embedTextsPerSecond: [rateBefore, rateAfter],
    full,
    nightly,
    htmlMb: html,
    htmlOpenSeconds: opens,
    markdownMb: markdown,
    embedSeconds,
    indexUpdate: index.update,
    fullRecall,
    nightlyRecall,
    nightlyOneRun: oneRun,
  };
  rmSync(root, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
