/**
 * Measures the topics of `papermap cluster` against known labels (run from the project root):
 *
 *   node dist/scripts/eval-topics.js make OUT --from DIR [--from DIR...] [--labels C04,C14] [--sample N]
 *       a corpus folder of other folders' papers and vectors (mixed, restricted to labels, or sampled)
 *   node dist/scripts/eval-topics.js rules DIR...    how many topics each rule gives, and their NMI, on the same vectors
 *   node dist/scripts/eval-topics.js final DIR...    the cluster stage as a user runs it, seeds 42, 7, 1234
 *   node dist/scripts/eval-topics.js labels DIR...   label quality before (c-TF-IDF alone) and after (the model and MMR)
 *   node dist/scripts/eval-topics.js weak DIR...     how well each rule for weak topics tells impure topics from pure ones
 *
 * Each DIR holds papers.jsonl and vectors from `papermap ingest` and `papermap embed`.
 * Truth comes from ../shared/eval/ohsumed-dev.jsonl by paper id: a paper found
 * there has its MeSH category, any other paper is of the subject "AI" (the seeds).
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cluster } from '../src/cluster/index.js';
import { phraseModel } from '../src/embed/stage.js';
import { termsOf, topicKeywords, topicLabels } from '../src/cluster/ctfidf.js';
import { findTopics } from '../src/cluster/levels.js';
import { topicCentresOver } from '../src/cluster/passes.js';
import { CANDIDATES, DIVERSITY, embedPhrases, levelLabels, mmrOrder, rankCandidates, SEPARATION } from '../src/cluster/labels.js';
import { labelDiversity, npmiCoherence } from '../src/cluster/quality.js';
import { topicSpace } from '../src/cluster/reduce.js';
import { readingCount, resolutionAt } from '../src/cluster/resolution.js';
import { weakRules } from './weak-rules.js';
import { loadQueryEmbedder } from '../src/embed/index.js';
import { sampleRows } from '../src/shared/random.js';
import { bytesOf, sha256 } from '../src/shared/files.js';
import { dot, blocksOf } from '../src/shared/vectors.js';
import { OutputFolder } from '../src/store/folder.js';
import { paperToJson, readCurrentVectors, readPapers, type Paper } from '../src/store/read.js';
import type { Clusters } from '../src/store/schemas.js';
import { normalizedMutualInformation } from './metrics.js';
import { OHSUMED } from '../bench/shared-data.js';

const SEEDS = [42, 7, 1234];

const records = readFileSync(OHSUMED, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { id: string; label: string; label_name: string });
const labelOf = new Map(records.map((record) => [record.id, record.label]));
const categoryName = new Map(records.map((record) => [record.label, record.label_name]));
categoryName.set('AI', 'Artificial intelligence and machine learning');
const truthOf = (papers: readonly { id: string }[]) => papers.map((paper) => labelOf.get(paper.id) ?? 'AI');

const f3 = (value: number) => value.toFixed(3);
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

export function load(dir: string) {
  const folder = OutputFolder.existing(dir);
  const { papers, info, vectors } = readCurrentVectors(folder, readPapers);
  return { folder, papers, info, vectors, truth: truthOf(papers), name: basename(dir) };
}

/** A corpus folder of the papers and vectors of other folders, as if ingest and embed had run on them. */
function make(out: string, from: string[], labels: string[] | undefined, sample: number | undefined): void {
  const parts = from.map(load);
  const kept: { paper: Paper; vector: Float32Array }[] = [];
  for (const part of parts) {
    part.papers.forEach((paper, row) => {
      if (labels && !labels.includes(part.truth[row])) return;
      kept.push({ paper, vector: part.vectors.subarray(row * part.info.dim, (row + 1) * part.info.dim) });
    });
  }
  const chosen = sample ? Array.from(sampleRows(kept.length, sample, 42), (row) => kept[row]) : kept;
  const dim = parts[0].info.dim;
  const vectors = new Float32Array(chosen.length * dim);
  chosen.forEach((entry, row) => vectors.set(entry.vector, row * dim));
  const lines = chosen.map((entry) => `${paperToJson(entry.paper)}\n`);
  const folder = OutputFolder.writable(out);
  const record = { status: 'ran' as const, seconds: 0, fingerprint: sha256(`eval ${out}`), parameters: {} };
  let writer = folder.begin('ingest');
  writer.write('papers', lines);
  // no inputs were read: a state that decodes to nothing, so a later ingest reads every input
  writer.write('ingestState', new Uint8Array(0));
  writer.commit(record);
  writer = folder.begin('embed');
  writer.write('vectors', bytesOf(vectors));
  const { model, modelIdentity } = parts[0].info;
  const info = { model, modelIdentity, dim, count: chosen.length, normalized: true, papersHash: sha256(lines.join('')), vectorsHash: sha256(bytesOf(vectors)) };
  writer.write('vectorsInfo', `${JSON.stringify(info, null, 2)}\n`);
  writer.commit(record);
  console.log(`${out}: ${chosen.length} papers, ${new Set(chosen.map((entry) => labelOf.get(entry.paper.id) ?? 'AI')).size} labels`);
}

/** k-means as papermap fits it (PCA space, seeded), against the labels: NMI and the biggest topic's share, mean over SEEDS. */
function scoreAt(space: { vectors: Float32Array; dim: number }, truth: readonly string[], k: number) {
  const runs = SEEDS.map((seed) => {
    const found = findTopics(space, k, seed);
    const sizes = new Array<number>(found.k).fill(0);
    found.assignments.forEach((topic) => sizes[topic]++);
    return { nmi: normalizedMutualInformation(truth, Array.from(found.assignments)), share: Math.max(...sizes) / truth.length };
  });
  return { k, nmi: mean(runs.map((run) => run.nmi)), share: Math.max(...runs.map((run) => run.share)) };
}

/** The candidate rules for the number of fine topics, each a function of the papers and the agreement curve. */
function rules(dirs: string[]): void {
  console.log('| corpus | papers | labels | rule | k | NMI (mean of 3 seeds) | biggest topic |');
  console.log('|---|---:|---:|---|---:|---:|---:|');
  for (const dir of dirs) {
    const { papers, info, vectors, truth, name } = load(dir);
    const space = topicSpace(blocksOf(vectors, info.dim), 42);
    const n = papers.length;
    const reading = readingCount(n);
    const labels = new Set(truth).size;
    const curve = [...new Set([2, 3, 4, 6, 8, 12, 16, 23, 33, 47].filter((k) => k <= reading).concat(reading))].map((k) => ({
      k,
      agreement: resolutionAt(space, k, 42).agreement,
    }));
    console.error(`${name}: agreement ${curve.map((point) => `${point.k}: ${f3(point.agreement)}`).join(', ')}`);
    const best = Math.max(...curve.map((point) => point.agreement));
    const choices: [string, number][] = [
      ['**reading: 2.2 x cube root (chosen)**', reading],
      ['most stable k from 2 up to the reading count', curve.find((point) => point.agreement === best)!.k],
      ['finest k within .02 of the most stable', [...curve].reverse().find((point) => point.agreement >= best - 0.02)!.k],
      ['square root of papers / 2 (rule of thumb)', Math.round(Math.sqrt(n / 2))],
      ['k-means at the labelled count (reference)', labels],
    ];
    for (const [rule, k] of choices) {
      const score = scoreAt(space, truth, k);
      console.log(`| ${name} | ${n} | ${labels} | ${rule} | ${k} | ${labels > 1 ? f3(score.nmi) : '–'} | ${(100 * score.share).toFixed(1)}% |`);
    }
  }
}

async function clusterOf(dir: string, seed: number): Promise<Clusters> {
  const writer = OutputFolder.existing(dir).begin('cluster');
  try {
    return await cluster(writer, { k: 'auto', broad: 'auto', seed, refit: true }, phraseModel);
  } finally {
    writer.abort();
  }
}

/** Each paper's fine topic id (an outlier in its nearest topic). */
function fineOf(result: Clusters, papers: readonly { id: string }[]): number[] {
  const of = new Map<string, number>();
  for (const topic of result.topics) for (const id of topic.paperIds) of.set(id, topic.id);
  for (const outlier of result.outliers) of.set(outlier.id, outlier.nearestTopic);
  return papers.map((paper) => of.get(paper.id)!);
}

/** The cluster stage as a user runs it, for each seed: counts, agreement with the labels, sizes, weak topics. */
async function final(dirs: string[]): Promise<void> {
  console.log(
    '| corpus | papers / labels | fine / middle / broad (seeds 42, 7, 1234) | NMI fine | k-means NMI at the labelled count | biggest topic | sizes | coherence | weak | agreement |',
  );
  console.log('|---|---|---|---:|---:|---:|---|---:|---:|---:|');
  for (const dir of dirs) {
    const { papers, info, vectors, truth, name } = load(dir);
    const labels = new Set(truth).size;
    const runs = [];
    for (const seed of SEEDS) runs.push(await clusterOf(dir, seed));
    const counts = runs.map((run) => `${run.topics.length} / ${run.middleTopics?.length ?? 0} / ${run.broadTopics.length}`);
    const nmi = runs.map((run) => normalizedMutualInformation(truth, fineOf(run, papers)));
    const reference = labels > 1 ? scoreAt(topicSpace(blocksOf(vectors, info.dim), 42), truth, labels).nmi : NaN;
    const sizes = runs.flatMap((run) => run.topics.map((topic) => topic.size));
    const first = runs[0];
    console.log(
      `| ${name} | ${papers.length} / ${labels} | ${counts.join(', ')} | ${labels > 1 ? f3(mean(nmi)) : '–'} | ${labels > 1 ? f3(reference) : '–'} | ${(100 * Math.max(...sizes)) / papers.length > 0 ? ((100 * Math.max(...sizes)) / papers.length).toFixed(1) : ''}% | ${Math.min(...sizes)}-${Math.max(...sizes)} | ${f3(mean(runs.map((run) => run.quality.coherence.topics)))} | ${first.quality.weakTopics} of ${first.topics.length} | ${f3(first.kScores[0].stability)} |`,
    );
    console.error(`${name}: ${first.kSelection.summary}`);
    for (const topic of first.topics) console.error(`  ${topic.id} (${topic.size}${topic.weak ? ', weak' : ''}) ${topic.label} — ${topic.description}`);
    for (const broad of first.broadTopics) console.error(`  broad ${broad.id} (${broad.size}) ${broad.label}`);
  }
}

/** Share of labels that lead with a word no other label of the level leads with. */
function distinctLeads(labels: readonly string[]): number {
  const lead = (label: string) => label.split(/[\s,]+/)[0].toLowerCase();
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(lead(label), (counts.get(lead(label)) ?? 0) + 1);
  return labels.filter((label) => counts.get(lead(label)) === 1).length / labels.length;
}

/** Label quality of the papermap topics (seed 42) with the labels made before and after: category named, distinct leads, diversity, coherence. */
async function labelQuality(dirs: string[]): Promise<void> {
  console.log('| corpus | labels | names the majority category | distinct leads (fine / broad) | word diversity | NPMI of label terms |');
  console.log('|---|---|---:|---|---:|---:|');
  for (const dir of dirs) {
    const { folder, papers, info, vectors, truth, name } = load(dir);
    const result = await clusterOf(dir, 42);
    const embedder = await loadQueryEmbedder(folder, info);
    const rowOf = new Map(papers.map((paper, row) => [paper.id, row]));
    const memberOf = new Int32Array(papers.length).fill(-1);
    for (const topic of result.topics) for (const id of topic.paperIds) memberOf[rowOf.get(id)!] = topic.id;
    const documents = papers.map((paper) => termsOf(`${paper.title}. ${paper.abstract}`));
    const broadMemberOf = memberOf.map((id) => (id < 0 ? -1 : result.topics.find((topic) => topic.id === id)!.parent));
    const before = {
      fine: topicLabels(topicKeywords(documents, memberOf, result.topics.length, 10)),
      broad: topicLabels(topicKeywords(documents, broadMemberOf, result.broadTopics.length, 10)),
    };
    const after = { fine: result.topics.map((topic) => topic.label), broad: result.broadTopics.map((topic) => topic.label) };
    // the same candidates ranked with other settings: BERTopic's defaults (no separation, MMR diversity 0.1) and between
    const candidates = topicKeywords(documents, memberOf, result.topics.length, CANDIDATES);
    const [centres] = topicCentresOver(blocksOf(vectors, info.dim), [{ assignments: memberOf, k: result.topics.length }]);
    const phraseVectors = await embedPhrases(
      candidates.flat().map(({ term }) => term),
      (texts) => embedder.embedShort(texts),
    );
    const variant = (separation: number, diversity: number) => ({
      fine: levelLabels(
        rankCandidates(candidates, centres, info.dim, phraseVectors, separation).map((list) => mmrOrder(list, phraseVectors?.vectors, info.dim, diversity)),
        result.topics.map((topic) => topic.id),
      ).labels,
      broad: after.broad,
    });
    const categories = [...new Set(truth)].sort();
    const categoryVectors = await embedder.embed(categories.map((label) => categoryName.get(label)!));
    const majority = result.topics.map((topic) => {
      const counts = new Map<string, number>();
      for (const id of topic.paperIds) counts.set(truth[rowOf.get(id)!], (counts.get(truth[rowOf.get(id)!]) ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1])[0][0];
    });
    for (const [kind, labels] of [
      ['before: c-TF-IDF alone', before],
      ['model, no separation, MMR 0.1 (BERTopic defaults)', variant(0, 0.1)],
      ['model, no separation, MMR 0.3', variant(0, 0.3)],
      ['model, separation 0.5, MMR 0.1', variant(0.5, 0.1)],
      [`**model, separation ${SEPARATION}, MMR ${DIVERSITY} (chosen)**`, after],
    ] as const) {
      const vectors = await embedder.embed(labels.fine);
      const named = labels.fine.filter((_, topic) => {
        let best = 0;
        categories.forEach((_, c) => {
          if (
            dot(vectors, topic * info.dim, categoryVectors, c * info.dim, info.dim) > dot(vectors, topic * info.dim, categoryVectors, best * info.dim, info.dim)
          )
            best = c;
        });
        return categories[best] === majority[topic];
      }).length;
      const terms = labels.fine.map((label) => label.split(', '));
      console.log(
        `| ${name} | ${kind} | ${categories.length > 1 ? `${named} of ${labels.fine.length}` : '–'} | ${f3(distinctLeads(labels.fine))} / ${f3(distinctLeads(labels.broad))} | ${f3(labelDiversity(labels.fine))} | ${f3(mean(npmiCoherence(documents, terms)))} |`,
      );
      console.error(`${name} ${kind}: ${labels.fine.join(' | ')}\n  broad: ${labels.broad.join(' | ')}`);
    }
    await embedder.dispose();
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'make') {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { from: { type: 'string', multiple: true }, labels: { type: 'string' }, sample: { type: 'string' } },
  });
  make(resolve(positionals[0]), values.from ?? [], values.labels?.split(','), values.sample ? Number(values.sample) : undefined);
} else if (mode === 'rules') rules(rest);
else if (mode === 'final') await final(rest);
else if (mode === 'labels') await labelQuality(rest);
else if (mode === 'weak') weakRules(rest.map(load));
else
  console.error(
    'usage: eval-topics.js make OUT --from DIR [--from DIR...] [--labels C04,C14] [--sample N] | rules DIR... | final DIR... | labels DIR... | weak DIR...',
  );
