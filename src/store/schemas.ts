import { z } from 'zod';
import { DATE_SHAPE } from '../shared/dates.js';

/**
 * The shapes of the files papermap writes, as schemas: every reader checks
 * what it reads against them, so a damaged or foreign file is an error that
 * names the file instead of a wrong value further on.
 */

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const finite = z.number().refine(Number.isFinite, 'not a finite number');

/** A DOI without its address: "10.1103/PhysRevD.76.044016". */
export const DOI_SHAPE = /^10\.\d{4,9}\/\S+$/;
/** An arXiv id without its version: "2403.12345" (since April 2007), "hep-th/9901001" (before). */
export const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})$/;

const names = z.array(z.string().min(1)).min(1);

/** One line of papers.jsonl: the paper's own fields, its details where known, then the source record's other fields (metadata). */
export const paperLine = z.looseObject({
  id: z.string().min(1),
  title: z.string().min(1),
  abstract: z.string(),
  sources: z.array(z.string()),
  date: z.string().regex(DATE_SHAPE).optional(),
  authors: names.optional(),
  categories: names.optional(),
  doi: z.string().regex(DOI_SHAPE).optional(),
  arxivId: z.string().regex(ARXIV_ID).optional(),
  url: z
    .string()
    .regex(/^https?:\/\//)
    .optional(),
});

/** Where vectors made elsewhere came from (`embed --vectors FILE`). */
export const vectorsSource = z.object({
  file: z.string().min(1),
  format: z.enum(['npy', 'parquet', 'jsonl']),
  sha256: sha256Hex,
  /** The ids file of a .npy. */
  ids: z.object({ file: z.string().min(1), sha256: sha256Hex }).optional(),
});
export type VectorsSource = z.infer<typeof vectorsSource>;

/** How the vectors in vectors.f32 were made: vectors.json. */
export const vectorsInfo = z.object({
  /** The model actually used, in the user's words: "all-MiniLM-L6-v2", "builtin", or a path. */
  model: z.string().min(1),
  /** Identity of the exact weights (and fit, for the builtin): vectors with different identities never mix. */
  modelIdentity: z.string().min(1),
  /** The folder of the transformer model that made the vectors (absolute), where free-text queries load it from. */
  modelDir: z.string().min(1).optional(),
  /** Why papermap fell back to the builtin embedder, when it did. */
  fallbackReason: z.string().optional(),
  /** The file the vectors came from, when they were made elsewhere (model "external"). */
  source: vectorsSource.optional(),
  dim: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  normalized: z.literal(true),
  /** Hash of papers.jsonl the vectors belong to, so later stages can tell stale vectors. */
  papersHash: sha256Hex,
  /** Hash of vectors.f32, so a run killed between the two writes is caught, not trusted. */
  vectorsHash: sha256Hex,
});
export type VectorsInfo = z.infer<typeof vectorsInfo>;

export const hnswParameters = z.object({
  /** Links per node: more means better recall and a bigger, slower-to-build index. */
  m: z.number().int().positive(),
  efConstruction: z.number().int().positive(),
  /** Candidates examined per query; at least k. */
  efSearch: z.number().int().positive(),
});
export type HnswParameters = z.infer<typeof hnswParameters>;

/** One part of an index built in parts (index tasks past INDEX_PART_PAPERS): the paper rows it holds, [from, to), and its bytes in index.hnsw. */
export const indexPart = z.object({ from: z.number().int().nonnegative(), to: z.number().int().positive(), bytes: z.number().int().positive() });
export type IndexPart = z.infer<typeof indexPart>;

/** index.json: enough to answer queries without re-embedding anything. */
export const indexInfo = z.object({
  model: z.string(),
  modelIdentity: z.string(),
  dim: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  space: z.literal('cosine'),
  search: z.enum(['exact', 'hnsw']),
  hnsw: hnswParameters,
  graph: z.object({
    neighbours: z.number().int().positive(),
    /** A neighbour at or above it is related (FloorRule.global). */
    minSimilarity: finite,
    /** Below minSimilarity, a paper's neighbours within `band` of its nearest are related if they reach it (FloorRule.lower); absent for a fixed floor. */
    nearestMinSimilarity: finite.optional(),
    band: finite.optional(),
    minSimilarityRule: z.string(),
  }),
  /** How many nearest other papers of each paper neighbours.bin holds. */
  storedNeighbours: z.number().int().nonnegative(),
  vectorsHash: sha256Hex,
  /** Hash of index.hnsw: a damaged index is refused before hnswlib reads it. */
  hnswHash: sha256Hex,
  /** Where index.hnsw holds the index in parts, one after another (absent: one index). */
  parts: z.array(indexPart).optional(),
  /** The paper id of each row of papers.jsonl when the index was built (neighbours.bin's rows). */
  ids: z.array(z.string()),
  /** The paper id of each HNSW label; null for a paper removed since (its point is marked deleted). */
  labels: z.array(z.string().nullable()),
  /** A fingerprint of each label's vector, to tell a changed paper on the next incremental update. */
  fingerprints: z.array(z.string()),
  /** What the last run did to the index: built it anew, or brought it up to date. */
  update: z.object({ kind: z.enum(['built', 'updated']), added: z.number().int(), removed: z.number().int(), searchedAgain: z.number().int() }),
});
export type IndexInfo = z.infer<typeof indexInfo>;

const kScore = z.object({
  k: z.number().int(),
  /** Mean adjusted Rand index between k-means runs on seeded subsamples: 1 when every run finds the same topics. */
  stability: finite,
  /** Mean silhouette on cosine distance, and prediction strength (Tibshirani & Walther 2005): written by papermap before 0.3. */
  silhouette: finite.optional(),
  predictionStrength: finite.optional(),
});
export type KScore = z.infer<typeof kScore>;

export const topic = z.object({
  id: z.number().int().nonnegative(),
  label: z.string(),
  /** One line a reader can scan: what the topic's papers are about, and its most central paper. */
  description: z.string().optional(),
  /** The name a team gave the topic in topics.yaml, shown instead of the label. */
  name: z.string().optional(),
  keywords: z.array(z.string()),
  size: z.number().int().nonnegative(),
  cohesion: finite,
  nearestTopic: z.object({ id: z.number().int(), similarity: finite }).nullable(),
  representatives: z.array(z.string()),
  paperIds: z.array(z.string()),
  /** The broad topic this topic is part of. */
  parent: z.number().int().nonnegative(),
  /** The middle topic this topic is part of, when the corpus is large enough for a middle level. */
  middle: z.number().int().nonnegative().optional(),
  /** Pinned in topics.yaml: a refit keeps the topic's papers together under its id. */
  pinned: z.boolean().optional(),
  /** NPMI coherence of the keywords, in [-1, 1]. */
  coherence: finite,
  /** Mean best-match Jaccard of the topic with the topics of other seeds, in [0, 1]. */
  stability: finite,
  weak: z.boolean(),
});
export type Topic = z.infer<typeof topic>;

export const broadTopic = z.object({
  id: z.number().int().nonnegative(),
  label: z.string(),
  description: z.string().optional(),
  name: z.string().optional(),
  keywords: z.array(z.string()),
  size: z.number().int().nonnegative(),
  /** The fine topics (ids into `topics`) it is made of. */
  topicIds: z.array(z.number().int()),
  coherence: finite,
  /** With `--k auto`: the sweep that chose how many fine topics it holds (empty when it was too small to split). */
  kScores: z.array(kScore).optional(),
});
export type BroadTopic = z.infer<typeof broadTopic>;

/** A topic between broad and fine, from about 20,000 papers, so that no list a reader scans is too long. */
export const middleTopic = broadTopic.omit({ kScores: true }).extend({
  /** The broad topic it is part of. */
  parent: z.number().int().nonnegative(),
});
export type MiddleTopic = z.infer<typeof middleTopic>;

const quality = z.object({
  /** Share of distinct words among all words of the fine topics' labels; broad the same for the broad labels. */
  labelDiversity: z.object({ topics: finite, broadTopics: finite }),
  /** Share of distinct keywords among all fine topics' top keywords. */
  keywordDiversity: finite,
  /** Mean NPMI coherence over the fine topics, weighted by size, and over the broad topics. */
  coherence: z.object({ topics: finite, broadTopics: finite }),
  stability: z.object({ seeds: z.array(z.number().int()), ari: z.array(finite), meanAri: finite, meanTopicJaccard: finite, broadAri: z.array(finite) }),
  weakRule: z.string(),
  weakTopics: z.number().int().nonnegative(),
});
export type Quality = z.infer<typeof quality>;

const count = z.number().int().nonnegative();

/** How the topics of this run continue those of the run before. */
const lineage = z.object({
  /** Topics with no earlier counterpart: their ids were never used before. */
  births: z.array(count),
  /** Earlier topics with no counterpart now. */
  deaths: z.array(count),
  /** A topic now that holds most of the papers of two or more earlier topics. */
  merges: z.array(z.object({ into: count, from: z.array(count) })),
  /** An earlier topic whose papers went in large parts to two or more topics now. */
  splits: z.array(z.object({ from: count, into: z.array(count) })),
});
export type Lineage = z.infer<typeof lineage>;

/** Each topic's size on one night (one run of the cluster stage on a new set of papers). */
const night = z.object({
  papers: count,
  /** The latest date with a year among the papers, a night's mark that comes from the papers themselves; null when none has one. */
  latestDate: z.string().regex(DATE_SHAPE).nullable(),
  /** [topic id, papers] of each topic of that night. */
  sizes: z.array(z.tuple([count, count])),
});
export type Night = z.infer<typeof night>;

/** How the topics came to be: fitted on every paper in this run, or the last fit's topics with new papers put in them. */
const history = z.object({
  run: z.enum(['fitted', 'assigned']),
  /** Why this run fitted, or what it assigned. */
  reason: z.string(),
  /** The options the topics were fitted with; other options make the next run fit again. */
  fitOptions: z.object({ k: z.union([z.literal('auto'), z.number().int()]), broad: z.union([z.literal('auto'), z.number().int()]).optional(), seed: count }),
  /** Papers the topics were fitted on. */
  fittedPapers: count,
  /** Papers added, changed (a changed title or abstract is a new vector) and removed since that fit. */
  sinceFit: z.object({ added: count, changed: count, removed: count }),
  /** (added + changed + removed) / fittedPapers; the next run fits anew once it passes driftThreshold. */
  drift: finite,
  driftThreshold: finite,
  /** Ids given to new topics from here on: an id is never given to two topics. */
  nextTopicId: count,
  nextBroadTopicId: count,
  /** Against the topics of the run before; null when there were none. */
  lineage: lineage.nullable(),
  /** Each paper's id and a fingerprint of its vector, to tell the papers added and changed by the next run. */
  papers: z.object({ ids: z.array(z.string()), fingerprints: z.array(z.string()) }),
  /** Each topic's size night by night, oldest first (the last MAX_NIGHTS nights; a run on the same papers replaces its night). */
  nights: z.array(night).default([]),
});
export type TopicHistory = z.infer<typeof history>;

/** Each topic's papers per period: topics over time (src/cluster/timeline.ts). */
const overTime = z.object({
  /** null when no paper has a date with a year: every paper is counted apart. */
  period: z.enum(['week', 'month', 'year']).nullable(),
  periods: z.array(z.string()),
  recent: count,
  undated: z.object({ none: count, noYear: count, lessPrecise: count }),
  topics: z.array(z.object({ id: z.number().int(), counts: z.array(count), undated: count, change: finite.nullable() })),
});
export type OverTime = z.infer<typeof overTime>;

/**
 * clusters.json. A topic's id keeps its meaning from run to run: new papers
 * join the topics of the last fit, and a refit gives each topic the id of the
 * earlier topic it continues (history). `topics` is ordered by size, so a
 * topic's place in it is not its id.
 */
export const clustersFile = z.object({
  k: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  method: z.string(),
  kSelection: z.union([
    z.object({
      criterion: z.string(),
      searched: z.tuple([z.number(), z.number()]),
      structure: z.enum(['clear', 'weak']),
      chosenFrom: z.tuple([z.number(), z.number()]),
      sampledPapers: z.number().int(),
      broadCriterion: z.string().optional(),
      /** The one sentence the reports open the topics with: how many, how big, how they were chosen. */
      summary: z.string().optional(),
    }),
    z.object({ criterion: z.literal('given with --k'), broadCriterion: z.string().optional(), summary: z.string().optional() }),
  ]),
  kScores: z.array(kScore),
  model: z.string(),
  vectorsHash: sha256Hex,
  outlierRule: z.string(),
  topics: z.array(topic),
  outliers: z.array(z.object({ id: z.string(), nearestTopic: z.number().int(), similarity: finite })),
  broadTopics: z.array(broadTopic),
  middleTopics: z.array(middleTopic).optional(),
  /** What topics.yaml asked for and was done: topics merged into others (with the papers they held, which a refit merges again) and topics pinned. */
  team: z
    .object({ hash: sha256Hex, merged: z.array(z.object({ from: count, into: count, paperIds: z.array(z.string()) })), pinned: z.array(count) })
    .optional(),
  /** With `--k N`: the merge heights of the broad level, for each number of broad topics the rise to the next merge. */
  broadScores: z.array(z.object({ k: z.number().int(), gap: finite })),
  quality,
  history,
  /** Each topic's papers per period; null only in a clusters.json of an earlier papermap. */
  overTime: overTime.nullable().default(null),
});
export type Clusters = z.infer<typeof clustersFile>;

/**
 * map.json: the places UMAP gave the papers it laid out, when the topics were
 * last fitted. Until the next fit, a later run keeps these places for papers
 * whose vector is the same (the fingerprint), and places every other paper
 * among them.
 */
export const mapFile = z.object({
  seed: z.number().int().nonnegative(),
  laidOut: z.array(z.object({ id: z.string(), vector: z.string(), x: finite, y: finite })),
});
export type MapFile = z.infer<typeof mapFile>;

/** Who holds a claim at a store's location (a shared table it makes), and since when. */
export const claim = z.object({
  host: z.string(),
  pid: z.number().int(),
  /** When the holder took it, or last renewed it (ISO 8601). */
  at: z.string().datetime(),
});
export type Claim = z.infer<typeof claim>;

/** Who is building a file the tasks of a stage share (tasks/<stage>-<of>.building), renewed while it builds. */
export const buildClaim = claim.extend({ shard: z.string() });
export type BuildClaim = z.infer<typeof buildClaim>;

/**
 * The topics cluster tasks assign papers to, fitted once on a seeded sample
 * and stored at the location: the projection into the space topics are
 * found in (none when the vectors have no more dimensions than it) and the
 * k-means centres in that space.
 */
export const topicFit = z.object({
  of: z.string().min(1),
  count: z.number().int().positive(),
  dim: z.number().int().positive(),
  projection: z.object({ dim: z.number().int().positive(), components: z.array(finite), offsets: z.array(finite) }).nullable(),
  centres: z.array(finite),
  sampled: z.boolean(),
});
export type TopicFit = z.infer<typeof topicFit>;

export const stageNames = ['ingest', 'embed', 'index', 'cluster', 'report'] as const;
export type StageName = (typeof stageNames)[number];

export const stageRecord = z.object({
  status: z.enum(['ran', 'up to date']),
  seconds: z.number().nonnegative(),
  /** Hash of the stage's inputs and options; the same fingerprint and intact outputs mean nothing to do. */
  fingerprint: sha256Hex,
  parameters: z.record(z.string(), z.unknown()),
  /** SHA-256 of each file the stage wrote, as committed: "up to date" means these files are there and unchanged. */
  outputs: z.record(z.string(), sha256Hex),
});
export type StageRecord = z.infer<typeof stageRecord>;

export const manifestFacts = z.object({
  model: z.object({ used: z.string(), identity: z.string(), fallbackReason: z.string().optional(), source: vectorsSource.optional() }),
  inputs: z.array(z.object({ path: z.string(), sha256: sha256Hex, format: z.string(), records: z.number().int() })),
  counts: z.record(z.string(), z.number()),
});
export type ManifestFacts = z.infer<typeof manifestFacts>;

export const manifestFile = manifestFacts.partial().extend({
  papermap: z.string(),
  node: z.string(),
  platform: z.string(),
  updatedAt: z.string(),
  stages: z.partialRecord(z.enum(stageNames), stageRecord),
  /** In a LanceDB store: the table that holds each table artifact's committed version (its name in the artifact table, "papers.previous" for the one before). */
  tables: z.record(z.string(), z.string()).optional(),
});
export type Manifest = z.infer<typeof manifestFile>;

/** The label of a model's vector cache file. */
export const cacheLabel = z.object({ identity: z.string().min(1), dim: z.number().int().positive() });

const paperRef = z.object({ id: z.string(), title: z.string() });

/** changes.json: what changed since the previous run (written by the report stage; see src/report/changes.ts). */
export const changesFile = z.object({
  since: z.object({ papers: count, topics: count.nullable() }).nullable(),
  counts: z.object({ papers: count, added: count, changed: count, removed: count }),
  added: z.array(paperRef.extend({ topic: z.number().int().nullable(), nearestOlder: z.array(paperRef.extend({ score: finite })) })),
  changed: z.array(paperRef.extend({ topic: z.number().int().nullable() })),
  removed: z.array(paperRef),
  topics: z.looseObject({ refit: z.string().nullable() }),
});
export type ChangesFile = z.infer<typeof changesFile>;
