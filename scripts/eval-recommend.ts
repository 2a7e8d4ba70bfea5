/**
 * Measures how `papermap recommend` scores and picks papers, on labelled and
 * citation-like data (run from the project root: `npm run eval:recommend`).
 *
 *   npm run eval:recommend                    OHSUMED, embedded once into a scratch folder outside the repository
 *   npm run eval:recommend -- --folder DIR    an output folder of OHSUMED papers already embedded
 *   npm run eval:recommend -- --citations DIR  also a citation-like corpus: DIR holds an output folder of its
 *                                             papers (ingest + embed) and citations.jsonl, one {"id","references":[ids]} a line
 *
 * OHSUMED (../shared/eval/ohsumed-dev.jsonl, 23 labels): a library is papers
 * of one label (sizes 1 to 100), or of three labels at once in shares 12 / 5 / 3;
 * the ranking is over every other paper. Citations: a citing paper's
 * references in the corpus are the library but one, which is to be found
 * among every other paper (hit@20), as the issue's baseline measures it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seededRandom } from '../src/shared/random.js';
import { gatherRows } from '../src/shared/vectors.js';
import { OutputFolder } from '../src/store/folder.js';
import { readClusters, readCurrentVectors, readPapers, type Paper } from '../src/store/read.js';
import { SCORINGS, type ScoringName } from '../src/recommend/rank.js';
import type { Library } from '../src/recommend/score.js';
import { bestFirst, maximalMarginalRelevance, quotaPerGroup, withoutNearDuplicates } from '../src/recommend/select.js';
import { OHSUMED } from '../bench/shared-data.js';

const TOP = 20;

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** An output folder of OHSUMED with MiniLM vectors, made once (ingest + embed) in a scratch folder outside the repository. */
function ohsumedFolder(): string {
  const given = argument('--folder');
  if (given) return given;
  const dir = join(tmpdir(), 'papermap-eval-recommend', 'ohsumed');
  if (!existsSync(join(dir, 'vectors.f32'))) {
    process.stderr.write(`embedding ${OHSUMED} into ${dir} (once; later runs reuse it)\n`);
    for (const step of [['ingest', '--input', resolve(OHSUMED)], ['embed']]) {
      const done = spawnSync(process.execPath, ['dist/src/cli.js', ...step, '--out', dir], { stdio: 'inherit' });
      if (done.status !== 0) throw new Error(`papermap ${step[0]} failed`);
    }
  }
  return dir;
}

interface Corpus {
  papers: Paper[];
  vectors: Float32Array;
  dim: number;
}

function readCorpus(dir: string): Corpus {
  const { papers, info, vectors } = readCurrentVectors(OutputFolder.existing(dir), readPapers);
  return { papers, vectors, dim: info.dim };
}

/** `count` distinct items of `items`, drawn with `random`. */
function draw<T>(items: readonly T[], count: number, random: () => number): T[] {
  const copy = [...items];
  for (let slot = 0; slot < Math.min(count, copy.length); slot++) {
    const pick = slot + Math.floor(random() * (copy.length - slot));
    [copy[slot], copy[pick]] = [copy[pick], copy[slot]];
  }
  return copy.slice(0, count);
}

function libraryOf(corpus: Corpus, rows: readonly number[]): Library {
  return { vectors: gatherRows(corpus.vectors, corpus.dim, rows), dim: corpus.dim, count: rows.length };
}

/** Every row not in the library, and the scores a scoring gives them. */
function rank(corpus: Corpus, scoring: ScoringName, libraryRows: readonly number[]): { pool: Int32Array; scores: Float32Array } {
  const inLibrary = new Set(libraryRows);
  const pool = Int32Array.from(corpus.papers.keys()).filter((row) => !inLibrary.has(row));
  const scorer = SCORINGS[scoring](corpus.papers.length, (row) => inLibrary.has(row));
  return { pool, scores: scorer(libraryOf(corpus, libraryRows), corpus.vectors, pool) };
}

const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

/** OHSUMED, one interest: the share of the top 20 in the library's label, by library size. */
function oneLabel(corpus: Corpus, scorings: readonly ScoringName[], sizes: readonly number[], rounds: number): void {
  const rowsOf = new Map<string, number[]>();
  corpus.papers.forEach((paper, row) => rowsOf.set(String(paper.metadata.label), [...(rowsOf.get(String(paper.metadata.label)) ?? []), row]));
  const labels = [...rowsOf].filter(([, rows]) => rows.length >= 120).map(([label]) => label);
  console.log(`\nOHSUMED, one label a library (${labels.length} labels with at least 120 papers, ${rounds} libraries each): precision@${TOP}\n`);
  console.log(`| scoring | ${sizes.map((size) => `${size} papers`).join(' | ')} |`);
  console.log(`|---|${sizes.map(() => '---:').join('|')}|`);
  for (const scoring of scorings) {
    const cells = sizes.map((size) => {
      const precision: number[] = [];
      labels.forEach((label, labelIndex) => {
        for (let round = 0; round < rounds; round++) {
          const libraryRows = draw(rowsOf.get(label)!, size, seededRandom(1000 * labelIndex + round));
          const { pool, scores } = rank(corpus, scoring, libraryRows);
          const top = bestFirst(scores, TOP);
          precision.push(top.filter((index) => String(corpus.papers[pool[index]].metadata.label) === label).length / TOP);
        }
      });
      return pct(mean(precision));
    });
    console.log(`| ${scoring} | ${cells.join(' | ')} |`);
  }
}

type Pick = (order: number[], scores: Float32Array, pool: Int32Array, corpus: Corpus, topicOf: Int32Array, libraryRows: readonly number[]) => number[];

/** The ways of picking the list from the ranked candidates that are measured. */
const PICKS: Record<string, Pick> = {
  'best 20': (order) => order.slice(0, TOP),
  ...Object.fromEntries(
    [0.95, 0.98].map((threshold) => [
      `near-duplicates (≥ ${threshold}) dropped`,
      ((order, _scores, pool, corpus) => withoutNearDuplicates(order, pool, corpus.vectors, corpus.dim, TOP, threshold)) satisfies Pick,
    ]),
  ),
  ...Object.fromEntries(
    [0.9, 0.8, 0.7, 0.5].map((lambda) => [
      `MMR λ ${lambda}`,
      ((order, scores, pool, corpus) => maximalMarginalRelevance(order, scores, pool, corpus.vectors, corpus.dim, TOP, lambda)) satisfies Pick,
    ]),
  ),
  'quota per library topic': (order, _scores, pool, _corpus, topicOf, libraryRows) => {
    const share = new Map<number, number>();
    for (const row of libraryRows) share.set(topicOf[row], (share.get(topicOf[row]) ?? 0) + 1 / libraryRows.length);
    return quotaPerGroup(order, (index) => topicOf[pool[index]], share, TOP);
  },
};

/** OHSUMED, three interests at once (12 / 5 / 3 papers): precision, how many of the three are in the top 20, and the smallest. */
function threeLabels(corpus: Corpus, topicOf: Int32Array, scorings: readonly ScoringName[], rounds: number): void {
  const rowsOf = new Map<string, number[]>();
  corpus.papers.forEach((paper, row) => rowsOf.set(String(paper.metadata.label), [...(rowsOf.get(String(paper.metadata.label)) ?? []), row]));
  const labels = [...rowsOf].filter(([, rows]) => rows.length >= 60).map(([label]) => label);
  console.log(
    `\nOHSUMED, three labels a library (12 / 5 / 3 papers, ${rounds} libraries): precision@${TOP} · labels of the three in the top ${TOP} · the 3-paper label in it\n`,
  );
  console.log('| scoring | pick | precision | interests covered | smallest interest found |');
  console.log('|---|---|---:|---:|---:|');
  for (const scoring of scorings) {
    for (const [name, pick] of Object.entries(PICKS)) {
      const precision: number[] = [];
      const covered: number[] = [];
      const smallest: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const random = seededRandom(5000 + round);
        const chosen = draw(labels, 3, random);
        const libraryRows = chosen.flatMap((label, index) => draw(rowsOf.get(label)!, [12, 5, 3][index], random));
        const { pool, scores } = rank(corpus, scoring, libraryRows);
        const order = bestFirst(scores, 1000);
        const top = pick(order, scores, pool, corpus, topicOf, libraryRows);
        const found = top.map((index) => String(corpus.papers[pool[index]].metadata.label));
        precision.push(found.filter((label) => chosen.includes(label)).length / TOP);
        covered.push(chosen.filter((label) => found.includes(label)).length / 3);
        smallest.push(found.includes(chosen[2]) ? 1 : 0);
      }
      console.log(`| ${scoring} | ${name} | ${pct(mean(precision))} | ${pct(mean(covered))} | ${pct(mean(smallest))} |`);
    }
  }
}

/** Citations: each citing paper's references in the corpus, one held out in turn, to be found among every other paper. */
function heldOutCitations(dir: string, scorings: readonly ScoringName[], picks: readonly string[]): void {
  const corpus = readCorpus(join(dir, 'folder'));
  const rowOf = new Map(corpus.papers.map((paper, row) => [paper.id, row]));
  const queries: { citing: string; references: number[] }[] = [];
  for (const line of readFileSync(join(dir, 'citations.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as { id: string; references: string[] };
    const references = [...new Set(record.references.map((id) => rowOf.get(id)).filter((row): row is number => row !== undefined))];
    if (references.length >= 2) queries.push({ citing: record.id, references });
  }
  const held = queries.flatMap((query, index) => {
    const out = query.references[Math.floor(seededRandom(index + 1)() * query.references.length)];
    return [{ citing: query.citing, library: query.references.filter((row) => row !== out), out }];
  });
  console.log(
    `\nCitations (${dir}): ${held.length} citing papers, one reference held out each, among ${corpus.papers.length} papers: hit@${TOP} by library size\n`,
  );
  const bands = [
    ['1-2', 1, 2],
    ['3-9', 3, 9],
    ['10+', 10, Infinity],
  ] as const;
  console.log(`| scoring | pick | all | ${bands.map(([name]) => `${name} refs`).join(' | ')} |`);
  console.log(`|---|---|---:|${bands.map(() => '---:').join('|')}|`);
  for (const scoring of scorings) {
    // each library is ranked once; every pick is measured on the same ranking
    const hits = new Map<string, { size: number; hit: number }[]>(picks.map((name) => [name, []]));
    for (const query of held) {
      const citing = rowOf.get(query.citing);
      const { pool, scores } = rank(corpus, scoring, query.library);
      // the citing paper is not a candidate: it is the one whose references these are
      pool.forEach((row, index) => row === citing && (scores[index] = -Infinity));
      const order = bestFirst(scores, 1000);
      for (const name of picks) {
        const top = PICKS[name](order, scores, pool, corpus, new Int32Array(corpus.papers.length), query.library);
        hits.get(name)!.push({ size: query.library.length, hit: top.some((index) => pool[index] === query.out) ? 1 : 0 });
      }
    }
    for (const name of picks) {
      const all = hits.get(name)!;
      const band = (low: number, high: number) => all.filter((hit) => hit.size >= low && hit.size <= high);
      const cells = bands.map(([, low, high]) => `${pct(mean(band(low, high).map((hit) => hit.hit)))} (${band(low, high).length})`);
      console.log(`| ${scoring} | ${name} | ${pct(mean(all.map((hit) => hit.hit)))} | ${cells.join(' | ')} |`);
    }
  }
}

const started = performance.now();
const folder = ohsumedFolder();
const corpus = readCorpus(folder);
const info = readCurrentVectors(OutputFolder.existing(folder), readPapers).info;
const topicOf = new Int32Array(corpus.papers.length).fill(-1);
try {
  const rowOf = new Map(corpus.papers.map((paper, row) => [paper.id, row]));
  for (const topic of readClusters(OutputFolder.existing(folder), info).topics) for (const id of topic.paperIds) topicOf[rowOf.get(id)!] = topic.id;
} catch {
  process.stderr.write(`${folder} holds no topics (run papermap cluster on it): the quota per topic is measured on one topic\n`);
}
const scorings = (argument('--scorings')?.split(',') ?? Object.keys(SCORINGS)) as ScoringName[];
const rounds = Number(argument('--rounds') ?? 4);
const citations = argument('--citations');
if (citations) heldOutCitations(citations, scorings, ['best 20', 'near-duplicates (≥ 0.95) dropped', 'near-duplicates (≥ 0.98) dropped', 'MMR λ 0.8']);
if (!process.argv.includes('--citations-only')) {
  oneLabel(corpus, scorings, [1, 3, 10, 30, 100], rounds);
  threeLabels(corpus, topicOf, (argument('--mixed-scorings')?.split(',') ?? ['mean', 'svm-1']) as ScoringName[], rounds * 10);
}
process.stderr.write(`(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
