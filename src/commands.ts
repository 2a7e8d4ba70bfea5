/**
 * papermap's commands (src/cli.ts runs them): one per stage and `run`, built
 * from the stage and option tables, and `similar`, `recommend` and `serve`.
 */
import { Command, Option } from 'commander';
import { loadQueryEmbedder } from './embed/index.js';
import {
  libraryFrom,
  readFolderPapers,
  readLibraryText,
  recommend,
  recommendationsMarkdown,
  RECOMMENDATIONS_FILE,
  writeRecommendations,
  type Recommendations,
} from './recommend/index.js';
import { runOneStage, runPipeline, STAGES, whileLocked, type RunSummary } from './runner/index.js';
import { type OptionSpec, wholeNumber } from './pipeline/options.js';
import { type AnyStage, defaultOptions, OPTION_SPECS, type OptionName, type Options } from './runner/stages.js';
import { similar, similarEach } from './api.js';
import type { SimilarAnswer } from './index/similar.js';
import { detailsLine } from './shared/links.js';
import { notice } from './shared/progress.js';
import { DEFAULT_HOST, DEFAULT_PORT, serve } from './serve/index.js';
import { UserError } from './shared/errors.js';
import { forEachBlock } from './shared/files.js';
import { VERSION } from './shared/version.js';
import { STORE_KINDS, type StoreKind } from './store/location.js';
import { withStore } from './store/open.js';

/** Results go to stdout: JSON with --json, else a short human summary. Progress and notices go to stderr. */
function print(json: boolean, result: unknown, human: string): void {
  process.stdout.write(json ? JSON.stringify(result, null, 2) + '\n' : human + '\n');
}

/** Every failure is one line on stderr; PAPERMAP_DEBUG=1 adds the stack. */
function fail(message: string, error?: unknown): void {
  process.stderr.write(`papermap: ${message.split('\n')[0].trim()}\n`);
  if (process.env.PAPERMAP_DEBUG === '1' && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
}

// Libraries (transformers.js, onnxruntime) report through console, stack traces included: a user sees
// papermap's own one-line messages only (which never go through console); PAPERMAP_DEBUG=1 lets them through.
if (process.env.PAPERMAP_DEBUG !== '1') {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) console[method] = () => {};
}

const program = new Command('papermap')
  .description('Map research papers by meaning: embeddings, similar papers, topic clusters and reports.')
  .version(VERSION, '--version', "print papermap's version")
  .configureOutput({ outputError: (message) => fail(`${message.trim().replace(/^error: /, '')} (see --help)`) });

const common = {
  out: () => new Option('--out <dir>', 'output folder, or s3://bucket/prefix for a LanceDB store').default('output'),
  store: () =>
    new Option(
      '--store <kind>',
      'files (an output folder, the default) or lance (LanceDB tables, in a folder or at s3://); later commands there find it recorded',
    ).choices(STORE_KINDS),
  json: () => new Option('--json', 'print a machine-readable JSON summary on stdout').default(false),
};

/** A stage option as commander takes it, then its earlier spelling (hidden from --help) if it had one. */
function commandOptions(spec: OptionSpec<unknown>): Option[] {
  const made = (flags: string, description?: string) => {
    const option = new Option(flags, description);
    return spec.parse ? option.argParser(spec.parse) : option;
  };
  const options = [made(spec.flags, spec.description).default(spec.default)];
  if (spec.formerFlag) options.push(made(spec.flags.replace(/^--[\w-]+/, spec.formerFlag)).hideHelp());
  return options;
}

/** Where commander puts an option's value: `--ef-construction` in `efConstruction`, `--input` in `input`. */
const attributeOf = (flags: string) => new Option(flags).attributeName();

/** The stage options a command was given, by the stages' names for them; the rest at their defaults. */
function stageOptions(opts: Record<string, unknown>, names: readonly OptionName[]): Options {
  const options: Record<string, unknown> = defaultOptions();
  for (const name of names) {
    const spec = OPTION_SPECS[name];
    options[name] = opts[attributeOf(spec.flags)];
    const former = spec.formerFlag === undefined ? undefined : opts[attributeOf(spec.formerFlag)];
    if (former === undefined) continue;
    notice(`${spec.formerFlag} is now ${spec.flags.split(' ')[0]}; the old spelling goes in a later release`);
    options[name] = former;
  }
  return options as Options;
}

type CommandOptions = Record<string, unknown> & { out: string; store?: StoreKind; json: boolean };

const runOptions = (Object.keys(OPTION_SPECS) as OptionName[]).filter((name) => !OPTION_SPECS[name].stageCommandOnly);
const runCommand = program.command('run').description(`run every stage (${STAGES.map((stage) => stage.name).join(', ')}), skipping those already up to date`);
for (const name of runOptions) for (const option of commandOptions(OPTION_SPECS[name])) runCommand.addOption(option);
runCommand
  .addOption(common.out())
  .addOption(common.store())
  .addOption(common.json())
  .action(async (opts: CommandOptions) => {
    const summary = await withStore(opts.out, opts.store, 'write', (backend) => runPipeline(backend, stageOptions(opts, runOptions)));
    print(opts.json, summary, describeRun(summary));
  });

function describeRun(summary: RunSummary): string {
  const stages = Object.entries(summary.stages).map(([name, outcome]) => `  ${name.padEnd(8)} ${outcome.status.padEnd(10)} ${outcome.seconds.toFixed(2)} s`);
  const model = summary.fallbackReason ? `${summary.model} (fallback: ${summary.fallbackReason})` : summary.model;
  return [
    ...stages,
    `${summary.papers} papers, model ${model}, ${summary.topics} topics, ${summary.outliers} outliers; report: ${summary.report.html} and ${summary.report.markdown} (${summary.seconds.toFixed(2)} s)`,
  ].join('\n');
}

for (const stage of STAGES as readonly AnyStage[]) {
  const command = program.command(stage.name).description(stage.description);
  const names = Object.keys(stage.options) as OptionName[];
  for (const name of names) for (const option of commandOptions(OPTION_SPECS[name])) command.addOption(option);
  command
    .addOption(common.out())
    .addOption(common.store())
    .addOption(common.json())
    .action(async (opts: CommandOptions) => {
      await withStore(opts.out, opts.store, 'write', async (backend) => {
        const outcome = await runOneStage(stage, backend, stageOptions(opts, names));
        print(opts.json, outcome.summary, `${stage.describe(outcome.summary, backend.folder)} (${outcome.seconds.toFixed(2)} s)`);
      });
    });
}

program
  .command('similar')
  .description('papers nearest a paper id or a free-text query')
  .argument('[query]', 'a paper id, or free text (in quotes)')
  .addOption(new Option('--top <k>', 'how many papers').default(10).argParser(wholeNumber(1)))
  .addOption(new Option('--queries <file>', 'one query a line (id or text), answered as JSON Lines'))
  .addOption(new Option('--model <path>', 'the model folder that embeds free text: the model that made vectors brought with embed --vectors'))
  .addOption(common.out())
  .addOption(common.store())
  .addOption(common.json())
  .action(async (query: string | undefined, opts: { out: string; store?: StoreKind; json: boolean; top: number; queries?: string; model?: string }) => {
    if ((query === undefined) === (opts.queries === undefined)) throw new UserError('give either a query or --queries FILE');
    const options = { out: opts.out, store: opts.store, top: opts.top, model: opts.model };
    if (opts.queries === undefined) {
      const answer = await similar(query!, options);
      print(opts.json, { query: answer.query, results: answer.results }, describeAnswer(answer));
      return;
    }
    // every line it can answer is answered, in order; a line it cannot (an unknown id) is a record saying why, and is reported
    const lines = readQueries(opts.queries);
    const answers = await similarEach(
      lines.map((entry) => entry.query),
      options,
    );
    for (const answer of answers) process.stdout.write(JSON.stringify('error' in answer ? answer : { query: answer.query, results: answer.results }) + '\n');
    answers.forEach((answer, position) => {
      if (!('error' in answer)) return;
      notice(`${opts.queries}:${lines[position].line}: ${answer.error}; the other lines are answered`);
      process.exitCode = 1;
    });
  });

/** A queries file beyond this is refused: a device such as /dev/zero never ends, and would take all memory. */
const MAX_QUERIES_BYTES = 64 * 1024 * 1024;

/** A file's text, read in blocks up to MAX_QUERIES_BYTES (a pipe such as /dev/stdin is fine). */
function readBounded(path: string): string {
  const chunks: Buffer[] = [];
  let total = 0;
  forEachBlock(path, (bytes) => {
    total += bytes.length;
    if (total > MAX_QUERIES_BYTES)
      throw new UserError(`${path} holds more than ${MAX_QUERIES_BYTES / 1024 / 1024} MB (is it a device?): give a file of queries, one a line`);
    chunks.push(Buffer.from(bytes));
  });
  return Buffer.concat(chunks).toString('utf8');
}

/** The queries of a file, one a line, with their line numbers; blank lines are passed over. */
function readQueries(path: string): { line: number; query: string }[] {
  let text: string;
  try {
    text = readBounded(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const queries = text
    .split(/\r?\n/)
    .map((line, index) => ({ line: index + 1, query: line.trim() }))
    .filter((entry) => entry.query !== '');
  if (queries.length === 0) throw new UserError(`${path}: no queries (one id or text a line)`);
  return queries;
}

function describeAnswer(answer: SimilarAnswer): string {
  const width = Math.max(...answer.results.map((result) => result.id.length), 2);
  // a paper's date, authors and link, where known, go on the line under it
  const lines = answer.results.flatMap((result, rank) => {
    const under = [detailsLine(result), result.link ?? ''].filter((part) => part !== '').join(' · ');
    const line = `${String(rank + 1).padStart(4)}  ${result.score.toFixed(3)}  ${result.id.padEnd(width)}  ${result.title}`;
    return under === '' ? [line] : [line, `${' '.repeat(15 + width)}${under}`];
  });
  const heading = answer.kind === 'paper' ? `papers nearest to paper ${answer.query}` : `papers nearest to "${answer.query}"`;
  return [heading, `rank  score  ${'id'.padEnd(width)}  title`, ...lines].join('\n');
}

program
  .command('recommend')
  .description(
    'rank papers for your library (BibTeX, RIS, CSL-JSON, Zotero CSV, or one id, DOI, arXiv id or title a line), with reasons; writes recommendations.md',
  )
  .requiredOption('--library <file>', 'your library: a BibTeX, RIS, CSL-JSON or CSV export, or a list')
  .addOption(new Option('--all', 'rank every paper not in the library, not only those added in the last run').default(false))
  .addOption(new Option('--top <k>', 'how many papers').default(20).argParser(wholeNumber(1)))
  .addOption(common.out())
  .addOption(common.store())
  .addOption(common.json())
  .action(async (opts: { library: string; all: boolean; top: number; out: string; store?: StoreKind; json: boolean }) => {
    const library = libraryFrom(readLibraryText(opts.library), opts.library);
    const recommendations = await withStore(opts.out, opts.store, 'read', (backend) =>
      whileLocked(backend, async () => {
        await backend.pull(['papers', 'vectors', 'vectorsInfo', 'clusters', 'changes', 'builtinFit']);
        const read = readFolderPapers(backend.folder, opts.all);
        let embedder: Awaited<ReturnType<typeof loadQueryEmbedder>> | undefined;
        try {
          const found = await recommend(read, library, opts.library, { top: opts.top, all: opts.all }, async (texts) => {
            embedder ??= await loadQueryEmbedder(backend.folder, read.info);
            return embedder.embed(texts);
          });
          writeRecommendations(backend.folder, found);
          await backend.publishFile(RECOMMENDATIONS_FILE);
          return found;
        } finally {
          await embedder?.dispose();
        }
      }),
    );
    print(opts.json, recommendations, describeRecommendations(recommendations, opts.out));
  });

/** The human summary of `recommend`: recommendations.md as it was written, and where. */
function describeRecommendations(recommendations: Recommendations, out: string): string {
  return `${recommendationsMarkdown(recommendations).trimEnd()}

(written to ${out}/${RECOMMENDATIONS_FILE})`;
}

program
  .command('serve')
  .description('serve report.html with search by meaning, and a JSON API, until stopped (Ctrl-C)')
  .addOption(common.out())
  .addOption(new Option('--port <n>', 'port to listen on; 0 for any free port').default(DEFAULT_PORT).argParser(wholeNumber(0)))
  .addOption(new Option('--host <address>', 'address to listen on; anything but 127.0.0.1 opens the server to other machines').default(DEFAULT_HOST))
  .addOption(common.store())
  .action(async (opts: { out: string; port: number; host: string; store?: StoreKind }) => {
    await serve({ out: opts.out, port: opts.port, host: opts.host, store: opts.store });
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof UserError) {
    fail(error.message, error);
    // the line names the first few; a script asking for JSON gets them all
    if (error.details && process.argv.includes('--json')) process.stdout.write(JSON.stringify({ error: error.message, ...error.details }, null, 2) + '\n');
  } else fail(`unexpected error: ${error instanceof Error ? error.message : String(error)} (PAPERMAP_DEBUG=1 shows where)`, error);
  process.exitCode = 1;
}
