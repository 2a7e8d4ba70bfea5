#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SEED } from './cluster/index.js';
import { DEFAULT_BATCH_SIZE, loadQueryEmbedder } from './embed/index.js';
import { fetchMinilm, minilmByHand } from './embed/model.js';
import { DEFAULT_HNSW, DEFAULT_NEIGHBORS, PaperSearch } from './index/index.js';
import { answerQueries, unknownId, type SimilarAnswer } from './index/similar.js';
import { DEFAULT_HOST, DEFAULT_PORT, serve } from './serve/index.js';
import { runCluster, runEmbed, runIndex, runIngest, runPipeline, runReport, type RunSummary, type StageOutcome } from './pipeline.js';
import { UserError } from './shared/errors.js';

function wholeNumber(minimum: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < minimum) throw new InvalidArgumentError(`expected a whole number of at least ${minimum}`);
    return number;
  };
}

function topicCount(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : wholeNumber(2)(value);
}

function similarityFloor(value: string): number | 'auto' {
  const number = Number(value);
  if (value === 'auto') return 'auto';
  if (value.trim() === '' || !Number.isFinite(number) || number < -1 || number > 1) throw new InvalidArgumentError('expected "auto" or a number from -1 to 1');
  return number;
}

/** Results go to stdout: JSON with --json, else a short human summary. Progress and notices go to stderr. */
function print(json: boolean, result: unknown, human: string): void {
  process.stdout.write(json ? JSON.stringify(result, null, 2) + '\n' : human + '\n');
}

const seconds = (outcome: StageOutcome<unknown>) => `${outcome.seconds.toFixed(2)} s`;

const program = new Command('papermap')
  .description('Map research papers by meaning: embeddings, similar papers, topic clusters and reports.')
  .showHelpAfterError('(run with --help for usage)');

const options = {
  out: () => new Option('--out <dir>', 'output directory').default('output'),
  json: () => new Option('--json', 'print a machine-readable JSON summary on stdout').default(false),
  input: () => new Option('--input <path...>', 'input files or directories (listing dumps, JSONL, CSV)').default(['seeds']),
  strict: () => new Option('--strict', 'fail on the first bad record instead of reporting it and going on').default(false),
  model: () => new Option('--model <model>', 'auto | minilm | builtin | path of a transformers.js model folder').default('auto'),
  batchSize: () => new Option('--batch-size <n>', 'full-length texts (256 word pieces) per model call; shorter texts go more to a call').default(DEFAULT_BATCH_SIZE).argParser(wholeNumber(1)),
  offline: () => new Option('--offline', 'never download model weights').default(false),
  models: () => new Option('--models <dir>', 'where MiniLM is looked for and downloaded to').default('models'),
  m: () => new Option('--m <n>', 'HNSW links per node').default(DEFAULT_HNSW.m).argParser(wholeNumber(2)),
  efConstruction: () => new Option('--ef-construction <n>', 'HNSW candidates while building').default(DEFAULT_HNSW.efConstruction).argParser(wholeNumber(1)),
  neighbors: () => new Option('--neighbors <k>', 'related papers kept per paper').default(DEFAULT_NEIGHBORS).argParser(wholeNumber(1)),
  minSimilarity: () =>
    new Option('--min-similarity <x>', 'similarity floor of related papers; auto = 99th percentile of random pairs').default('auto' as number | 'auto').argParser(similarityFloor),
  k: () => new Option('--k <k>', 'number of topics, or auto').default('auto' as number | 'auto').argParser(topicCount),
  seed: () => new Option('--seed <n>', 'seed of k-means and the map').default(DEFAULT_SEED).argParser(wholeNumber(0)),
};

type Options = {
  out: string; json: boolean; input: string[]; strict: boolean; model: string; batchSize: number; offline: boolean; models: string;
  m: number; efConstruction: number; neighbors: number; minSimilarity: number | 'auto'; k: number | 'auto'; seed: number;
};

const embedOptions = (opts: Options) => ({ out: opts.out, model: opts.model, batchSize: opts.batchSize, offline: opts.offline, modelsDir: opts.models });
const indexOptions = (opts: Options) => ({ out: opts.out, m: opts.m, efConstruction: opts.efConstruction, neighbors: opts.neighbors, minSimilarity: opts.minSimilarity });

program
  .command('run')
  .description('run every stage (ingest, embed, index, cluster, report), skipping those already up to date')
  .addOption(options.input()).addOption(options.strict()).addOption(options.out())
  .addOption(options.model()).addOption(options.batchSize()).addOption(options.offline()).addOption(options.models())
  .addOption(options.m()).addOption(options.efConstruction()).addOption(options.neighbors()).addOption(options.minSimilarity())
  .addOption(options.k()).addOption(options.seed()).addOption(options.json())
  .action(async (opts: Options) => {
    const summary = await runPipeline({ inputs: opts.input, strict: opts.strict, ...embedOptions(opts), ...indexOptions(opts), k: opts.k, seed: opts.seed });
    print(opts.json, summary, describeRun(summary));
  });

function describeRun(summary: RunSummary): string {
  const stages = Object.entries(summary.stages).map(([name, outcome]) => `  ${name.padEnd(8)} ${outcome.status.padEnd(10)} ${outcome.seconds.toFixed(2)} s`);
  const model = summary.fallbackReason ? `${summary.model} (fallback: MiniLM not available)` : summary.model;
  return [...stages, `${summary.papers} papers, model ${model}, ${summary.topics} topics, ${summary.outliers} outliers; report: ${summary.report.html} and ${summary.report.markdown} (${summary.seconds.toFixed(2)} s)`].join('\n');
}

program
  .command('ingest')
  .description('read paper listings, JSONL and CSV files into <out>/papers.jsonl')
  .addOption(options.input()).addOption(options.strict()).addOption(options.out()).addOption(options.json())
  .action(async (opts: Options) => {
    const outcome = await runIngest({ inputs: opts.input, out: opts.out, strict: opts.strict });
    const summary = outcome.result!;
    const problems = summary.problems.length === 0 ? 'no problems' : `${summary.problems.length} problem(s) reported above`;
    print(opts.json, summary, `ingest: ${summary.papers} papers from ${summary.records} records in ${summary.files.length} file(s) (${summary.duplicatesMerged} duplicates merged, ${problems}, ${seconds(outcome)}) -> ${opts.out}/papers.jsonl`);
  });

program
  .command('embed')
  .description('turn every paper into a unit vector: <out>/vectors.f32 and <out>/vectors.json')
  .addOption(options.out()).addOption(options.model()).addOption(options.batchSize()).addOption(options.offline()).addOption(options.models()).addOption(options.json())
  .action(async (opts: Options) => {
    const summary = (await runEmbed(embedOptions(opts))).result!;
    const work = summary.embedded === 0 ? 'nothing to embed, all cached' : `${summary.embedded} embedded, ${summary.cached} from the cache`;
    print(opts.json, summary, `embed: ${summary.papers} vectors of ${summary.dim} dimensions with ${summary.model} (${work}, ${summary.seconds.toFixed(1)} s) -> ${opts.out}/vectors.f32`);
  });

program
  .command('index')
  .description('build the HNSW index and the related-paper graph (related.json, graph.graphml)')
  .addOption(options.out()).addOption(options.m()).addOption(options.efConstruction()).addOption(options.neighbors()).addOption(options.minSimilarity()).addOption(options.json())
  .action(async (opts: Options) => {
    const summary = (await runIndex(indexOptions(opts))).result!;
    print(
      opts.json,
      summary,
      `index: ${summary.papers} papers, ${summary.search === 'exact' ? 'exact search (small corpus)' : 'HNSW search'}; graph: ${summary.edges} links (${summary.mutualEdges} mutual) at similarity >= ${summary.minSimilarity}, ${summary.papersWithoutNeighbours} papers without related papers -> ${opts.out}/related.json, ${opts.out}/graph.graphml`,
    );
  });

program
  .command('cluster')
  .description('group papers into topics with labels: <out>/clusters.json')
  .addOption(options.out()).addOption(options.k()).addOption(options.seed()).addOption(options.json())
  .action(async (opts: Options) => {
    const clusters = (await runCluster({ out: opts.out, k: opts.k, seed: opts.seed })).result!;
    const topics = clusters.topics.map((topic) => `  ${String(topic.id).padStart(2)}  ${String(topic.size).padStart(4)}  ${topic.label}`);
    print(opts.json, clusters, [`cluster: ${clusters.topics.length} topics (${clusters.kSelection.criterion}), ${clusters.outliers.length} outliers -> ${opts.out}/clusters.json`, ...topics].join('\n'));
  });

program
  .command('report')
  .description('write report.md, report.html and graph.graphml with topics')
  .addOption(options.out()).addOption(options.json())
  .action(async (opts: Options) => {
    const summary = (await runReport({ out: opts.out })).result!;
    print(opts.json, summary, `report: ${summary.papers} papers in ${summary.topics} topics -> ${summary.files.join(', ')}`);
  });

program
  .command('similar')
  .description('papers nearest a paper id or a free-text query')
  .argument('[query]', 'a paper id, or free text (in quotes)')
  .addOption(new Option('--top <k>', 'how many papers').default(10).argParser(wholeNumber(1)))
  .addOption(new Option('--queries <file>', 'one query a line (id or text), answered as JSON Lines'))
  .addOption(options.out()).addOption(options.models()).addOption(options.json())
  .action(async (query: string | undefined, opts: Options & { top: number; queries?: string }) => {
    if ((query === undefined) === (opts.queries === undefined)) throw new UserError('give either a query or --queries FILE');
    const { search, papers, vectorsInfo } = PaperSearch.open(opts.out);
    const ids = new Set(papers.map((paper) => paper.id));
    const queries = opts.queries === undefined ? [query!] : readQueries(opts.queries, ids);
    if (opts.queries === undefined) {
      const problem = unknownId(query!, ids);
      if (problem) throw new UserError(problem);
    }
    let embedder: Awaited<ReturnType<typeof loadQueryEmbedder>> | undefined;
    try {
      const answers = await answerQueries(queries, opts.top, search, papers, async (texts) => {
        embedder = await loadQueryEmbedder(opts.out, vectorsInfo, opts.models);
        return embedder.embed(texts);
      });
      if (opts.queries !== undefined) process.stdout.write(answers.map((answer) => JSON.stringify({ query: answer.query, results: answer.results }) + '\n').join(''));
      else print(opts.json, { query: answers[0].query, results: answers[0].results }, describeAnswer(answers[0]));
    } finally {
      await embedder?.dispose();
    }
  });

function readQueries(path: string, ids: ReadonlySet<string>): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const queries: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const query = line.trim();
    if (query === '') return;
    const problem = unknownId(query, ids);
    if (problem) throw new UserError(`${path}:${index + 1}: ${problem}`);
    queries.push(query);
  });
  if (queries.length === 0) throw new UserError(`${path}: no queries (one id or text a line)`);
  return queries;
}

function describeAnswer(answer: SimilarAnswer): string {
  const width = Math.max(...answer.results.map((result) => result.id.length), 2);
  const lines = answer.results.map((result, rank) => `${String(rank + 1).padStart(4)}  ${result.score.toFixed(3)}  ${result.id.padEnd(width)}  ${result.title}`);
  const heading = answer.kind === 'paper' ? `papers nearest to paper ${answer.query}` : `papers nearest to "${answer.query}"`;
  return [heading, `rank  score  ${'id'.padEnd(width)}  title`, ...lines].join('\n');
}

program
  .command('serve')
  .description('serve report.html with search by meaning, and a JSON API, until stopped (Ctrl-C)')
  .addOption(options.out()).addOption(options.models())
  .addOption(new Option('--port <n>', 'port to listen on; 0 for any free port').default(DEFAULT_PORT).argParser(wholeNumber(0)))
  .addOption(new Option('--host <address>', 'address to listen on; anything but 127.0.0.1 opens the server to other machines').default(DEFAULT_HOST))
  .action(async (opts: Options & { port: number; host: string }) => {
    await serve({ out: opts.out, port: opts.port, host: opts.host, modelsDir: opts.models });
  });

program
  .command('fetch-model')
  .description('download all-MiniLM-L6-v2 into models/, checking pinned SHA-256 sums')
  .addOption(options.models())
  .action(async (opts: Options) => {
    try {
      process.stdout.write(`MiniLM is in ${await fetchMinilm(opts.models)}\n`);
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`${error.message}; to place the files by hand, ${minilmByHand(opts.models)}`);
      throw error;
    }
  });

try {
  await program.parseAsync();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`papermap: ${error instanceof UserError ? '' : 'unexpected error: '}${message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
