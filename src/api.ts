/**
 * papermap as a library: `import { run, similar } from 'papermap'`.
 *
 * The same work as the commands `papermap run` and `papermap similar`, with the
 * same checks and the same files written; options are typed values instead of
 * flags, and results are returned instead of printed. A refusal is a thrown
 * `UserError` whose message is the line the command would print. Progress and
 * notices go to stderr as with the command, and while `run` works it answers
 * Ctrl-C (SIGINT, SIGTERM) as the command does: one line, and the process exits.
 */
import { InvalidArgumentError } from 'commander';
import { loadQueryEmbedder, type QueryEmbedder } from './embed/index.js';
import { PaperSearch } from './index/index.js';
import { answerQueries, type SimilarAnswer, unknownId } from './index/similar.js';
import { runPipeline, type RunSummary } from './runner/index.js';
import { defaultOptions, OPTION_SPECS, type OptionName, type Options } from './runner/stages.js';
import { UserError } from './shared/errors.js';
import type { StoreKind } from './store/location.js';
import type { OutputFolder } from './store/folder.js';
import { withStore } from './store/open.js';

export { UserError };
export type { RunSummary, SimilarAnswer };

/** The options of `run`, as `papermap run` takes them (`--ef-construction` is `efConstruction`); each left out takes its default. */
export interface RunOptions {
  /** Input files or folders: listing dumps, JSON Lines, JSON arrays, CSV/TSV. */
  input: string | readonly string[];
  /** The output folder, made if missing (default `output`), or an s3:// location of a LanceDB store. */
  out?: string;
  /** The kind of store at `out`: `files` (a folder, the default) or `lance`; recorded there once made. */
  store?: StoreKind;
  /** `auto` (the shipped all-MiniLM-L6-v2), `minilm`, `builtin`, or the path of a transformers.js model folder. */
  model?: string;
  batchSize?: number;
  strict?: boolean;
  m?: number;
  efConstruction?: number;
  neighbours?: number;
  minSimilarity?: number | 'auto';
  k?: number | 'auto';
  seed?: number;
  /** Fit the topics anew now. */
  refit?: boolean;
  /** Vectors made elsewhere instead of embedding (`--vectors`): .npy (with `ids`), Parquet or JSON Lines. */
  vectors?: string;
  /** The paper id of each row of a .npy `vectors` file, one a line. */
  ids?: string;
}

/** The option names of RunOptions that are stage options, spelt as the stages spell them. */
const RUN_OPTIONS = [
  'model',
  'batchSize',
  'strict',
  'm',
  'efConstruction',
  'neighbours',
  'minSimilarity',
  'k',
  'seed',
  'refit',
  'vectors',
  'ids',
] as const satisfies readonly OptionName[];

/**
 * A typed option value checked by the rule its flag is checked by, so that
 * `k: 1` is refused as `--k 1` is, with the flag named in the message.
 */
function checked(name: OptionName, value: unknown): unknown {
  const spec = OPTION_SPECS[name];
  if (!spec.parse) {
    // a switch (strict, refit) or a string (model, vectors, ids)
    const expected = typeof spec.default === 'boolean' ? 'boolean' : 'string';
    if (typeof value !== expected) throw new UserError(`option ${name}: expected ${expected === 'boolean' ? 'true or false' : 'a string'}`);
    return value;
  }
  try {
    return spec.parse(String(value));
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UserError(`option ${name} (${spec.flags.split(' ')[0]}): ${error.message}`);
    throw error;
  }
}

/** The stage options of a `run` call: defaults, then what the caller gave, each checked. */
function runOptions(given: RunOptions): Options {
  const options = defaultOptions();
  const inputs = typeof given.input === 'string' ? [given.input] : [...(given.input ?? [])];
  if (inputs.length === 0 || inputs.some((input) => typeof input !== 'string' || input === ''))
    throw new UserError('option input: give one or more input files or folders');
  options.inputs = inputs;
  for (const name of RUN_OPTIONS) {
    if (given[name] !== undefined) (options as unknown as Record<string, unknown>)[name] = checked(name, given[name]);
  }
  return options;
}

/**
 * Runs every stage (ingest, embed, index, cluster, report) into `out`,
 * skipping those already up to date, as `papermap run` does; resolves to the
 * summary `papermap run --json` prints.
 */
export async function run(options: RunOptions): Promise<RunSummary> {
  const stageOptions = runOptions(options);
  return withStore(options.out ?? 'output', options.store, 'write', (backend) => runPipeline(backend, stageOptions));
}

export interface SimilarOptions {
  /** The output folder a run made (default `output`). */
  out?: string;
  /** How many papers each answer holds (default 10). */
  top?: number;
  /** The model folder that embeds free text: needed for vectors brought with `embed --vectors` (their maker). */
  model?: string;
  /** The kind of store at `out`, when it is not recorded there. */
  store?: StoreKind;
}

/** A query that could not be answered (an id that is not a paper of the store), and why: the line `papermap similar` prints. */
export interface SimilarProblem {
  query: string;
  error: string;
}

/**
 * The papers nearest each query in the output folder: a query that is a
 * paper's id gets that paper's nearest other papers, anything else is free
 * text, embedded with the model the papers were embedded with. Give many
 * queries in one call: the model is then loaded once. An id-shaped query
 * that is not a paper of the store is refused before anything is searched.
 */
export async function similar(query: string, options?: SimilarOptions): Promise<SimilarAnswer>;
export async function similar(queries: readonly string[], options?: SimilarOptions): Promise<SimilarAnswer[]>;
export async function similar(queries: string | readonly string[], options: SimilarOptions = {}): Promise<SimilarAnswer | SimilarAnswer[]> {
  const list = typeof queries === 'string' ? [queries] : [...queries];
  const answers = await answerInStore(list, options, (problem) => {
    throw new UserError(problem.error);
  });
  return typeof queries === 'string' ? (answers[0] as SimilarAnswer) : (answers as SimilarAnswer[]);
}

/**
 * Like `similar` over many queries, but a query that is an unknown id gets a
 * problem in its place and every other one is answered, in order: what
 * `papermap similar --queries FILE` prints.
 */
export async function similarEach(queries: readonly string[], options: SimilarOptions = {}): Promise<(SimilarAnswer | SimilarProblem)[]> {
  return answerInStore([...queries], options, (problem) => problem);
}

/** Checks the queries and options, then answers them from the store at `out`; `unknown` decides what an unknown id becomes. */
async function answerInStore(
  queries: string[],
  options: SimilarOptions,
  unknown: (problem: SimilarProblem) => SimilarProblem,
): Promise<(SimilarAnswer | SimilarProblem)[]> {
  const top = options.top ?? 10;
  if (!Number.isInteger(top) || top < 1) throw new UserError('option top: expected a whole number of at least 1');
  if (queries.length === 0 || queries.some((query) => typeof query !== 'string' || query.trim() === ''))
    throw new UserError('give one or more queries: a paper id, or free text');
  return withStore(options.out ?? 'output', options.store, 'read', async (backend) => {
    await backend.pull(['papers', 'vectors', 'vectorsInfo', 'indexInfo', 'hnsw', 'builtinFit']);
    return answerInFolder(backend.folder, queries, top, unknown, options.model);
  });
}

/**
 * Answers queries from an output folder's index, loading the model only when
 * a query is free text. Unknown ids are sorted out before anything is searched.
 */
async function answerInFolder(
  folder: OutputFolder,
  queries: readonly string[],
  top: number,
  unknown: (problem: SimilarProblem) => SimilarProblem,
  /** The model folder for free text (`similar --model PATH`); otherwise the one the vectors record. */
  model?: string,
): Promise<(SimilarAnswer | SimilarProblem)[]> {
  const { search, papers, vectorsInfo } = PaperSearch.open(folder);
  const ids = new Set(papers.map((paper) => paper.id));
  const problems = queries.map((query) => {
    const error = unknownId(query, ids);
    return error === undefined ? undefined : unknown({ query, error });
  });
  const answerable = queries.filter((_, position) => problems[position] === undefined);
  let embedder: QueryEmbedder | undefined;
  try {
    const answers =
      answerable.length === 0
        ? []
        : await answerQueries(answerable, top, search, papers, async (texts) => {
            embedder = await loadQueryEmbedder(folder, vectorsInfo, model);
            return embedder.embed(texts);
          });
    let next = 0;
    return problems.map((problem) => problem ?? answers[next++]);
  } finally {
    await embedder?.dispose();
  }
}
