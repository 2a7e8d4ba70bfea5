/**
 * Measures the topics of `papermap cluster` against known labels (run from the project root):
 *
 *   node dist/scripts/eval-topics.js DIR...                 final figures of the cluster stage, 3 seeds
 *   node dist/scripts/eval-topics.js --alternatives DIR...  every candidate rule for choosing k over all papers at once, 3 seeds
 *   node dist/scripts/eval-topics.js --levels DIR...        the two-level choice with tolerances 0, 0.05, 0.1 for the stability rule
 *
 * Each DIR holds papers.jsonl and vectors from `papermap ingest` and `papermap embed`.
 * Truth comes from ../shared/eval/ohsumed-dev.jsonl by paper id: a paper found
 * there has its MeSH label, any other paper is of the subject "AI" (the seeds).
 * So a corpus of the seeds plus OHSUMED is judged at two levels: its 2 subjects
 * (AI / medicine) and the 24 labels (AI + the 23 OHSUMED labels).
 *
 * Figures of 2026-11-25, MiniLM vectors (all-MiniLM-L6-v2, quantized ONNX),
 * seeds 42, 7, 1234; ohs = OHSUMED dev (23 labels), ohs6 = its 6 labels
 * Cardiovascular, Neoplasms, Nervous System, Digestive System, Urologic,
 * Respiratory (1,682 papers), mix = the 408 seeds + OHSUMED:
 *
 * | corpus | k fine/broad per seed | NMI/ARI fine vs labels | NMI/ARI broad vs labels | NMI/ARI broad vs 2 subjects | coherence fine/broad | label diversity | stability ARI fine/broad | weak topics |
 * |---|---|---|---|---|---|---|---|---|
 * | ohs | 18/4, 18/4, 18/4 | 0.277 / 0.153 | 0.168 / 0.130 | | 0.154 / 0.135 | 0.911 | 0.634 / 0.772 | 56% |
 * | ohs6 | 6/2, 6/2, 6/2 | 0.475 / 0.418 | 0.344 / 0.283 | | 0.115 / 0.177 | 1.000 | 0.892 / 0.983 | 22% |
 * | mix | 10/2, 10/2, 10/2 | 0.319 / 0.197 | 0.212 / 0.040 | 0.950 / 0.980 | 0.210 / 0.328 | 0.871 | 0.725 / 0.992 | 27% |
 * | seeds | 15/3, 15/3, 15/3 | | | | 0.073 / 0.027 | 0.930 | 0.522 / 0.638 | 58% |
 *
 * (mix: the OHSUMED part's fine topics against its 23 labels NMI 0.221, ARI 0.142.)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { basename } from 'node:path';
import { cluster, autoKRange } from '../src/cluster/index.js';
import { clusterVectors } from '../src/cluster/kmeans.js';
import { autoLevels } from '../src/cluster/levels.js';
import { topicSpace } from '../src/cluster/reduce.js';
import { averageLinkage } from '../src/cluster/hierarchy.js';
import { largestGap, scoreKs, stableK, type KScore } from '../src/cluster/select.js';
import { stemsOf } from '../src/cluster/ctfidf.js';
import { OutputFolder } from '../src/store/folder.js';
import { readCurrentVectors, readPapers } from '../src/store/read.js';
import { sampleRows } from '../src/shared/random.js';
import { gatherRows } from '../src/shared/vectors.js';
import { adjustedRandIndex, normalizedMutualInformation } from './metrics.js';

const OHSUMED = '../shared/eval/ohsumed-dev.jsonl';

/** The cluster stage's work on an output folder, as `papermap cluster` does it, without committing anything. */
function clusterOf(dir: string, k: number | 'auto', seed: number) {
  const writer = OutputFolder.existing(dir).begin('cluster');
  try {
    return cluster(writer, { k, seed, refit: true });
  } finally {
    writer.abort();
  }
}
const SEEDS = process.env.EVAL_SEEDS ? process.env.EVAL_SEEDS.split(',').map(Number) : [42, 7, 1234];

function truthOf(ids: readonly string[]): { fine: string[]; subject: string[] } {
  const labels = new Map<string, string>();
  for (const line of readFileSync(OHSUMED, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as { id: string; label: string };
    labels.set(record.id, record.label);
  }
  const fine = ids.map((id) => labels.get(id) ?? 'AI');
  return { fine, subject: fine.map((label) => (label === 'AI' ? 'AI' : 'medicine')) };
}

const f3 = (value: number) => value.toFixed(3);
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const spread = (values: readonly number[]) => `${f3(mean(values))} ± ${f3(Math.sqrt(mean(values.map((v) => (v - mean(values)) ** 2))))}`;

/** The candidate rules for `--k auto`, each a function of the sweep's scores (and the hierarchy's gaps). */
const RULES: Record<string, (scores: Required<KScore>[], gapK: number) => number> = {
  'silhouette (old rule: best; under 0.25 best of upper half)': (scores) => {
    const best = (from: number) => scores.filter((s) => s.k >= from).reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
    if (best(2).silhouette >= 0.25) return best(2).k;
    return best(Math.ceil(scores[scores.length - 1].k / 2)).k;
  },
  'stability: highest mean ARI (chosen, applied per level)': (scores) => stableK(scores),
  'stability: smallest k within 0.1 of the highest mean ARI': (scores) => stableK(scores, 0.1),
  'stability: highest mean ARI, k >= 3': (scores) => scores.filter((s) => s.k >= 3).reduce((a, b) => (b.stability > a.stability ? b : a)).k,
  'stability: largest k with ARI >= 0.9 x best': (scores) => {
    const top = Math.max(...scores.map((s) => s.stability));
    return Math.max(...scores.filter((s) => s.stability >= 0.9 * top).map((s) => s.k));
  },
  'prediction strength: largest k >= 0.8': (scores) => Math.max(2, ...scores.filter((s) => s.predictionStrength >= 0.8).map((s) => s.k)),
  'prediction strength: largest k >= 0.6': (scores) => Math.max(2, ...scores.filter((s) => s.predictionStrength >= 0.6).map((s) => s.k)),
  'hierarchy of 60 micro-clusters: largest merge gap': (_, gapK) => gapK,
};

function alternatives(dirs: readonly string[]): void {
  for (const dir of dirs) {
    const { papers, info, vectors } = readCurrentVectors(OutputFolder.existing(dir), readPapers);
    const truth = truthOf(papers.map((paper) => paper.id));
    const levels = new Set(truth.subject).size > 1 ? (['fine', 'subject'] as const) : (['fine'] as const);
    const chosen = new Map<string, number[]>();
    const quality = new Map<string, Record<string, number[]>>();
    let sweepSeconds = 0;
    for (const seed of SEEDS) {
      const space = topicSpace(vectors, info.dim, seed);
      const started = performance.now();
      const [kMin, kMax] = autoKRange(papers.length);
      const { scores } = scoreKs(space.vectors, space.dim, kMin, kMax, seed);
      sweepSeconds += (performance.now() - started) / 1000 / SEEDS.length;
      console.log(
        `${basename(dir)} seed ${seed} (${info.model}): ${scores.map((s) => `k${s.k} sil ${f3(s.silhouette)} stab ${f3(s.stability)} ps ${f3(s.predictionStrength)}`).join(' | ')}`,
      );
      // micro-clusters on the sweep's sample, agglomerated by average linkage
      const rows = sampleRows(papers.length, 1000, seed);
      const sample = gatherRows(space.vectors, space.dim, rows);
      const micro = clusterVectors(sample, space.dim, 60, seed, 1);
      const sizes = new Int32Array(60);
      micro.assignments.forEach((topic) => sizes[topic]++);
      const gap = largestGap(averageLinkage(micro.centres, space.dim, sizes), 60, kMin, kMax);
      for (const [rule, choose] of Object.entries(RULES)) {
        const k = choose(scores, gap.k);
        chosen.set(rule, [...(chosen.get(rule) ?? []), k]);
        const clustering = clusterVectors(space.vectors, space.dim, k, seed, 2);
        const labels = Array.from(clustering.assignments);
        const figures = quality.get(rule) ?? {};
        for (const level of levels) {
          (figures[`NMI ${level}`] ??= []).push(normalizedMutualInformation(truth[level], labels));
          (figures[`ARI ${level}`] ??= []).push(adjustedRandIndex(truth[level], labels));
        }
        quality.set(rule, figures);
      }
    }
    console.log(
      `\n${basename(dir)}: ${papers.length} papers, ${info.model} vectors, ${new Set(truth.fine).size} labels; sweep ${sweepSeconds.toFixed(1)} s per seed`,
    );
    const names = [...Object.keys(quality.values().next().value!)];
    console.log(`| rule | k (seeds ${SEEDS.join(', ')}) | ${names.join(' | ')} |`);
    console.log(`|---|---|${names.map(() => '---').join('|')}|`);
    for (const rule of Object.keys(RULES)) {
      console.log(`| ${rule} | ${chosen.get(rule)!.join(', ')} | ${names.map((name) => f3(mean(quality.get(rule)![name]))).join(' | ')} |`);
    }
    console.log();
  }
}

/** The cluster stage as a user runs it (`--k auto`), for each seed: k, agreement with the labels at both levels, coherence, diversity, stability, time. */
function final(dirs: readonly string[]): void {
  const rows: string[] = [];
  for (const dir of dirs) {
    const { papers, info } = readCurrentVectors(OutputFolder.existing(dir), readPapers);
    const truth = truthOf(papers.map((paper) => paper.id));
    const hasSubjects = new Set(truth.subject).size > 1;
    const figures: Record<string, number[]> = {};
    const add = (name: string, value: number) => (figures[name] ??= []).push(value);
    const ks: string[] = [];
    for (const seed of SEEDS) {
      const started = performance.now();
      const result = clusterOf(dir, 'auto', seed);
      add('seconds', (performance.now() - started) / 1000);
      ks.push(`${result.k}/${result.broadTopics.length}`);
      // outliers count in the topic whose centre is nearest, so every paper has a fine and a broad topic
      const fineOf = new Map<string, number>();
      for (const topic of result.topics) for (const id of topic.paperIds) fineOf.set(id, topic.id);
      for (const outlier of result.outliers) fineOf.set(outlier.id, outlier.nearestTopic);
      const fine = papers.map((paper) => fineOf.get(paper.id)!);
      const broad = fine.map((topic) => result.topics[topic].parent);
      add('NMI fine/labels', normalizedMutualInformation(truth.fine, fine));
      add('ARI fine/labels', adjustedRandIndex(truth.fine, fine));
      add('NMI broad/labels', normalizedMutualInformation(truth.fine, broad));
      add('ARI broad/labels', adjustedRandIndex(truth.fine, broad));
      if (hasSubjects) {
        add('NMI broad/subjects', normalizedMutualInformation(truth.subject, broad));
        add('ARI broad/subjects', adjustedRandIndex(truth.subject, broad));
        // each subject's own topics against its own labels: the medical papers' fine topics against the 23 OHSUMED labels
        const medical = papers.flatMap((_, row) => (truth.subject[row] === 'medicine' ? [row] : []));
        add(
          'NMI fine/OHSUMED part',
          normalizedMutualInformation(
            medical.map((row) => truth.fine[row]),
            medical.map((row) => fine[row]),
          ),
        );
        add(
          'ARI fine/OHSUMED part',
          adjustedRandIndex(
            medical.map((row) => truth.fine[row]),
            medical.map((row) => fine[row]),
          ),
        );
      }
      add('coherence fine', result.quality.coherence.topics);
      add('coherence broad', result.quality.coherence.broadTopics);
      add('label diversity', result.quality.labelDiversity.topics);
      add('keyword diversity', result.quality.keywordDiversity);
      add('stability ARI fine', result.quality.stability.meanAri);
      add('stability ARI broad', mean(result.quality.stability.broadAri));
      add('stability topic Jaccard', result.quality.stability.meanTopicJaccard);
      add('weak topics share', result.quality.weakTopics / result.k);
      add(
        'labels repeating a stem',
        result.topics.filter(
          (topic) => new Set(topic.label.split(', ').flatMap((term) => stemsOf(term))).size < topic.label.split(', ').flatMap((term) => stemsOf(term)).length,
        ).length,
      );
      add('equal labels', result.topics.length - new Set(result.topics.map((topic) => topic.label)).size);
      // the alternative for the broad level: as many fine topics by k-means over all papers, merged by average linkage (what --k N does)
      const merged = clusterOf(dir, result.k, seed);
      const mergedOf = new Map<string, number>();
      for (const topic of merged.topics) for (const id of topic.paperIds) mergedOf.set(id, topic.parent);
      for (const outlier of merged.outliers) mergedOf.set(outlier.id, merged.topics[outlier.nearestTopic].parent);
      const mergedBroad = papers.map((paper) => mergedOf.get(paper.id)!);
      add('alt. merged broad k', merged.broadTopics.length);
      add('alt. merged NMI broad/labels', normalizedMutualInformation(truth.fine, mergedBroad));
      if (hasSubjects) add('alt. merged NMI broad/subjects', normalizedMutualInformation(truth.subject, mergedBroad));
      if (hasSubjects) add('alt. merged ARI broad/subjects', adjustedRandIndex(truth.subject, mergedBroad));
      add('alt. merged stability ARI broad', mean(merged.quality.stability.broadAri));
      console.log(
        `${basename(dir)} seed ${seed}: k ${result.k}, broad ${result.broadTopics.length}: ${result.broadTopics.map((topic) => `[${topic.label}] ${topic.size}`).join('; ')}`,
      );
      console.log(`  fine: ${result.topics.map((topic) => `${topic.label} (${topic.size}${topic.weak ? ', weak' : ''})`).join('; ')}`);
    }
    rows.push(
      `| ${basename(dir)} (${papers.length} papers, ${info.model}) | ${ks.join(', ')} | ${Object.entries(figures)
        .map(([name, values]) => `${name} ${spread(values)}`)
        .join('; ')} |`,
    );
  }
  console.log(`\n| corpus | k fine/broad (seeds ${SEEDS.join(', ')}) | figures (mean ± sd over the seeds) |`);
  console.log('|---|---|---|');
  for (const row of rows) console.log(row);
}

/** The two-level choice (broad topics, then fine ones within each) with other tolerances of the stability rule, seed 42. */
function levels(dirs: readonly string[]): void {
  console.log('| corpus | tolerance | broad k | fine k (per broad) | NMI fine | ARI fine | NMI broad | ARI broad | NMI broad/subjects | ARI broad/subjects |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const dir of dirs) {
    const { papers, info, vectors } = readCurrentVectors(OutputFolder.existing(dir), readPapers);
    const truth = truthOf(papers.map((paper) => paper.id));
    const space = topicSpace(vectors, info.dim, 42);
    for (const tolerance of [0, 0.05, 0.1]) {
      const found = autoLevels(space, 42, tolerance);
      const fine = Array.from(found.fine);
      const broad = Array.from(found.broad);
      const subjects =
        new Set(truth.subject).size > 1 ? [normalizedMutualInformation(truth.subject, broad), adjustedRandIndex(truth.subject, broad)].map(f3) : ['', ''];
      console.log(
        `| ${basename(dir)} (${info.model}) | ${tolerance} | ${found.broadK} | ${found.fineK} (${found.within.join('+')}) | ${[normalizedMutualInformation(truth.fine, fine), adjustedRandIndex(truth.fine, fine), normalizedMutualInformation(truth.fine, broad), adjustedRandIndex(truth.fine, broad)].map(f3).join(' | ')} | ${subjects.join(' | ')} |`,
      );
    }
  }
}

const args = process.argv.slice(2);
if (args[0] === '--alternatives') alternatives(args.slice(1));
else if (args[0] === '--levels') levels(args.slice(1));
else final(args);
