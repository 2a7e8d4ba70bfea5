/**
 * Measures rules for the related-paper floor (run from the project root):
 *
 *   node dist/scripts/eval-floor.js LABELLED_DIR [OTHER_DIR...]
 *
 * Each DIR is an output folder after `papermap run` (papers.jsonl, vectors,
 * index.json and neighbours.bin: each paper's 10 nearest other papers, as
 * the index stage found them). LABELLED_DIR's papers carry a `label` field
 * (../shared/eval/ohsumed-dev.jsonl: 23 MeSH categories, one a paper). For
 * each rule it prints, on the labelled corpus, the link precision (the share
 * of related-paper links whose two papers share a label; each paper's links
 * counted from its side), the share of papers with no related paper and the
 * links a paper; on each other folder (the seeds), the share of papers left
 * with no related paper. `--neighbours` is 10, as papermap's default.
 *
 * Rules are FloorRule (src/index/graph.ts): global / lower are quantiles of
 * the similarity of 20,000 random pairs of the corpus, band a similarity.
 */
import { basename } from 'node:path';
import { exactNeighbours, firstNeighbours, type Neighbours } from '../src/graph/neighbours.js';
import { relatedPapers, type FloorRule, randomPairQuantiles } from '../src/graph/related.js';
import { readNeighbours } from '../src/store/neighbours.js';
import { gatherRows } from '../src/shared/vectors.js';
import { OutputFolder } from '../src/store/folder.js';
import { readCurrentVectors, readIndexInfo, readPapers } from '../src/store/read.js';

const NEIGHBOURS = 10;

interface Candidate {
  name: string;
  /** Quantiles of random-pair similarity, and the band. */
  global: number;
  lower: number;
  band: number;
}

const candidate = (global: number, lower = global, band = 0): Candidate => {
  const name =
    lower === global
      ? `global p${global * 100}`
      : band === 0
        ? `global p${global * 100}, nearest if >= p${lower * 100}`
        : `global p${global * 100}, within ${band} of nearest if >= p${lower * 100}`;
  return { name, global, lower, band };
};

const CANDIDATES: Candidate[] = [
  candidate(0.99),
  candidate(0.98),
  candidate(0.97),
  candidate(0.95),
  candidate(0.9),
  ...[0.95, 0.9, 0.8, 0.5].map((lower) => candidate(0.99, lower)),
  ...[0.02, 0.05].flatMap((band) => [0.95, 0.9, 0.8].map((lower) => candidate(0.99, lower, band))),
  ...[0.9, 0.8].map((lower) => candidate(0.995, lower)),
];

interface Corpus {
  name: string;
  ids: string[];
  labels: (string | undefined)[];
  nearest: Neighbours;
  quantile: (q: number) => number;
  /** Share of random pairs that share a label: the precision of links drawn at random. */
  chance: number;
}

const BIN_EDGES = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995];
const QUANTILES = [...new Set([...CANDIDATES.flatMap((rule) => [rule.global, rule.lower]), ...BIN_EDGES])];
const randomPairQuantile = (corpus: Corpus, q: number) => corpus.quantile(q);

function corpusOf(name: string, ids: string[], labels: (string | undefined)[], vectors: Float32Array, dim: number, nearest: Neighbours): Corpus {
  const values = randomPairQuantiles(vectors, dim, QUANTILES);
  const counts = new Map<string, number>();
  for (const label of labels) if (label !== undefined) counts.set(label, (counts.get(label) ?? 0) + 1);
  const labelled = [...counts.values()].reduce((sum, value) => sum + value, 0);
  const chance = [...counts.values()].reduce((sum, value) => sum + (value / labelled) ** 2, 0);
  return { name, ids, labels, nearest, quantile: (q) => values[QUANTILES.indexOf(q)], chance };
}

/** An output folder's papers, labels (a `label` field), vectors, and each paper's 10 nearest as the index stage stored them. */
function load(dir: string): Corpus & { vectors: Float32Array; dim: number } {
  const folder = OutputFolder.existing(dir);
  const { papers, info, vectors } = readCurrentVectors(folder, readPapers);
  const nearest = firstNeighbours(readNeighbours(folder, readIndexInfo(folder, info)), NEIGHBOURS);
  const labels = papers.map((paper) => (typeof paper.metadata.label === 'string' ? paper.metadata.label : undefined));
  return {
    ...corpusOf(
      basename(dir),
      papers.map((paper) => paper.id),
      labels,
      vectors,
      info.dim,
      nearest,
    ),
    vectors,
    dim: info.dim,
  };
}

/**
 * A narrower corpus: the papers of a few labels only, as a corpus on one
 * subject is (the seeds: AI papers alone), where random pairs are more alike
 * and a floor set among them is higher. Neighbours searched exactly within it.
 */
function narrow(corpus: ReturnType<typeof load>, keep: readonly string[]): Corpus {
  const rows = corpus.labels.flatMap((label, row) => (label !== undefined && keep.includes(label) ? [row] : []));
  const vectors = gatherRows(corpus.vectors, corpus.dim, rows);
  const nearest = exactNeighbours(vectors, corpus.dim, vectors, NEIGHBOURS, (query, label) => query === label);
  return corpusOf(
    `${corpus.name} ${keep.join('+')}`,
    rows.map((row) => corpus.ids[row]),
    rows.map((row) => corpus.labels[row]),
    vectors,
    corpus.dim,
    nearest,
  );
}

/** Label groups of the narrower corpora: the 12 largest OHSUMED labels, three at a time, by size. */
const NARROW = [
  ['C14', 'C04', 'C23'],
  ['C21', 'C10', 'C20'],
  ['C06', 'C18', 'C12'],
  ['C08', 'C01', 'C17'],
];

interface Figures {
  precision: number | undefined;
  without: number;
  linksPerPaper: number;
  floors: string;
}

function measure(corpus: Corpus, rule: Candidate): Figures {
  const floor: FloorRule = { global: corpus.quantile(rule.global), lower: corpus.quantile(rule.lower), band: rule.band };
  const graph = relatedPapers(corpus.nearest, floor);
  const { k, labels } = corpus.nearest;
  let links = 0;
  let same = 0;
  let labelled = 0;
  let without = 0;
  for (let row = 0; row < corpus.ids.length; row++) {
    if (graph.links[row] === 0) without++;
    for (let slot = 0; slot < graph.links[row]; slot++) {
      links++;
      const other = labels[row * k + slot];
      if (corpus.labels[row] !== undefined && corpus.labels[other] !== undefined) {
        labelled++;
        if (corpus.labels[row] === corpus.labels[other]) same++;
      }
    }
  }
  return {
    precision: labelled > 0 ? same / labelled : undefined,
    without: without / corpus.ids.length,
    linksPerPaper: links / corpus.ids.length,
    floors: rule.lower === rule.global ? floor.global.toFixed(3) : `${floor.global.toFixed(3)} / ${floor.lower.toFixed(3)}`,
  };
}

const percent = (share: number) => `${(100 * share).toFixed(1)}%`;

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: node dist/scripts/eval-floor.js LABELLED_DIR [OTHER_DIR...]\n');
  process.exit(2);
}
const [labelled, ...others] = dirs.map(load);
const narrower = NARROW.map((keep) => narrow(labelled, keep));
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
console.log(
  `${labelled.name}: ${labelled.ids.length} papers, precision of random links ${labelled.chance.toFixed(3)}; narrower: ${narrower.map((corpus) => `${corpus.name} (${corpus.ids.length} papers, random ${corpus.chance.toFixed(3)})`).join(', ')}`,
);
console.log('');
const header = [
  'rule',
  `${labelled.name}: link precision`,
  'without related',
  'links a paper',
  'floors',
  'narrower: link precision (mean)',
  'without related',
  ...others.flatMap((corpus) => [`${corpus.name}: without related`, 'links a paper', 'floors']),
];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map((_, index) => (index === 0 ? '---' : '---:')).join('|')}|`);
for (const rule of CANDIDATES) {
  const main = measure(labelled, rule);
  const narrowed = narrower.map((corpus) => measure(corpus, rule));
  const cells = [
    rule.name,
    main.precision === undefined ? '' : main.precision.toFixed(3),
    percent(main.without),
    main.linksPerPaper.toFixed(2),
    main.floors,
    mean(narrowed.map((figures) => figures.precision ?? 0)).toFixed(3),
    percent(mean(narrowed.map((figures) => figures.without))),
    ...others.flatMap((corpus) => {
      const figures = measure(corpus, rule);
      return [percent(figures.without), figures.linksPerPaper.toFixed(2), figures.floors];
    }),
  ];
  console.log(`| ${cells.join(' | ')} |`);
}

// how good a link is by where its similarity falls among the corpus's random pairs: its nearest 10, each counted from both ends
console.log('');
console.log("| similarity of the link, among random pairs of its corpus | corpus | links | precision | of them a paper's nearest | precision |");
console.log('|---|---|---:|---:|---:|---:|');
const edges = [0, ...BIN_EDGES, 1];
for (const corpus of [labelled, ...narrower]) {
  const cuts = edges.slice(1, -1).map((q) => randomPairQuantile(corpus, q));
  const { k, labels, scores } = corpus.nearest;
  const bins = edges.slice(0, -1).map(() => ({ links: 0, same: 0, nearest: 0, nearestSame: 0 }));
  for (let row = 0; row < corpus.ids.length; row++) {
    for (let slot = 0; slot < k; slot++) {
      const other = labels[row * k + slot];
      if (other < 0) continue;
      let bin = 0;
      while (bin < cuts.length && scores[row * k + slot] >= cuts[bin]) bin++;
      const same = corpus.labels[row] === corpus.labels[other] ? 1 : 0;
      bins[bin].links++;
      bins[bin].same += same;
      if (slot === 0) {
        bins[bin].nearest++;
        bins[bin].nearestSame += same;
      }
    }
  }
  const share = (part: number, whole: number) => (whole === 0 ? '' : (part / whole).toFixed(3));
  bins.forEach((bin, index) => {
    if (bin.links > 0)
      console.log(
        `| p${edges[index] * 100} to p${edges[index + 1] * 100} | ${corpus.name} | ${bin.links} | ${share(bin.same, bin.links)} | ${bin.nearest} | ${share(bin.nearestSame, bin.nearest)} |`,
      );
  });
}
