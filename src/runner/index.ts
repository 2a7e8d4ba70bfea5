import { setImmediate } from 'node:timers/promises';
import { sha256 } from '../shared/files.js';
import { endIfOrphaned, supervised, tellSupervisor } from '../shared/supervised.js';
import { VERSION } from '../shared/version.js';
import { ARTIFACTS } from '../store/artifacts.js';
import type { OutputFolder } from '../store/folder.js';
import { lockFolder } from '../store/lock.js';
import type { StageName } from '../store/schemas.js';
import { phraseModel } from '../embed/stage.js';
import type { Services } from '../pipeline/stage.js';
import { type AnyStage, type Options, STAGES } from './stages.js';

/** Capabilities one stage lends another through the runner. */
const SERVICES: Services = { phraseModel };

export { STAGES };

export interface StageOutcome<S = unknown> {
  status: 'ran' | 'up to date';
  seconds: number;
  /** What the stage did; absent when it was up to date. */
  summary?: S;
}

/** What is under way, for the line Ctrl-C prints. */
let underWay: { stage: StageName; finished: StageName[] } | undefined;

/** Records what is under way, and tells a supervisor what it would have to say. */
function nowUnderWay(now: typeof underWay): void {
  underWay = now;
  tellSupervisor(interruptedMessage());
}

/** The one line to print when the user interrupts papermap: what was kept and how to go on. */
function interruptedMessage(): string {
  if (!underWay) return 'interrupted; nothing was changed';
  const kept = underWay.finished.length > 0 ? `the finished stages (${underWay.finished.join(', ')}) are kept` : 'no stage had finished';
  const cache = underWay.stage === 'embed' ? '; the vectors embedded so far are kept in the cache' : '';
  return `interrupted during ${underWay.stage}: ${kept}, ${underWay.stage} left the output folder as it was${cache}; run the same command again to go on from there`;
}

/**
 * Runs work that writes an output folder with the folder locked. Ctrl-C (or a
 * CI job's cancel) prints one line saying what was kept and exits with the
 * conventional code; the lock goes with the process, and what a stage had
 * staged is cleared by the next run.
 */
export async function whileLocked<T>(folder: OutputFolder, work: () => Promise<T>): Promise<T> {
  const release = lockFolder(folder.out);
  const signals = [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const;
  // under a supervisor, it answers the signals (src/runner/supervise.ts)
  const handlers = (supervised() ? [] : signals).map(([signal, code]) => {
    const handler = () => {
      process.stderr.write(`papermap: ${interruptedMessage()}\n`);
      process.exit(code);
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await work();
  } finally {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    underWay = undefined;
    release();
  }
}

/**
 * Runs one stage. Its fingerprint is the hash of papermap's version, its
 * options, the files it reads and what prepare() adds (input files, model
 * identity); unless forced, the stage is skipped when the manifest holds the
 * same fingerprint and its files are there and intact. The stage writes into
 * staging; `beforeCommit` (given the number of papers ingest leaves, for
 * ingest) may still refuse, and nothing then reaches the folder.
 */
async function runStage(
  stage: AnyStage,
  folder: OutputFolder,
  options: Options,
  force: boolean,
  beforeCommit: (stagedPapers: number | undefined) => void,
): Promise<StageOutcome> {
  // let the event loop turn, so that a Ctrl-C that came during the last stage is handled before the next one starts
  await setImmediate();
  const started = performance.now();
  const prepared = await stage.prepare(folder, options);
  const given = options as Record<string, unknown>;
  const declared = Object.entries(stage.options);
  const parameters = Object.fromEntries(declared.filter(([, spec]) => !spec.action).map(([name]) => [name, given[name]]));
  const asked = declared.some(([name, spec]) => spec.action && given[name]);
  const reads = stage.reads.map((name) => [ARTIFACTS[name].file, folder.fingerprintHash(name)]);
  const fingerprint = sha256(JSON.stringify({ papermap: VERSION, stage: stage.name, parameters, reads, extra: prepared.fingerprint ?? null }));
  if (!force && !asked && folder.upToDate(stage.name, fingerprint, stage.reads) && !stage.lost?.(folder, prepared.plan)) {
    beforeCommit(stage.name === 'ingest' ? folder.paperCount() : undefined);
    const seconds = (performance.now() - started) / 1000;
    folder.recordUpToDate(stage.name, seconds, parameters);
    return { status: 'up to date', seconds };
  }
  const writer = folder.begin(stage.name);
  try {
    const summary = await stage.run(writer, options, prepared.plan, SERVICES);
    if (stage.commits?.(options) === false) {
      writer.abort();
      return { status: 'ran', seconds: (performance.now() - started) / 1000, summary };
    }
    beforeCommit(stage.name === 'ingest' ? writer.stagedPaperCount() : undefined);
    const seconds = (performance.now() - started) / 1000;
    endIfOrphaned();
    writer.commit({ status: 'ran', seconds, fingerprint, parameters }, stage.facts?.(summary, prepared.plan) ?? {});
    return { status: 'ran', seconds, summary };
  } catch (error) {
    writer.abort();
    throw error;
  }
}

/** Refuses options that cannot work on this many papers, for each of `stages`. */
function checkCorpus(stages: readonly AnyStage[], options: Options, papers: number): void {
  for (const stage of stages) stage.checkCorpus?.(options, papers);
}

/** `papermap <stage>`: one stage, run whether or not it is up to date, with the folder locked. */
export async function runOneStage(stage: AnyStage, folder: OutputFolder, options: Options): Promise<StageOutcome> {
  stage.checkOptions?.(options);
  stage.checkFolder?.(folder, options);
  return whileLocked(folder, () => {
    nowUnderWay({ stage: stage.name, finished: [] });
    if (stage.checkCorpus && folder.has('papers')) stage.checkCorpus(options, folder.paperCount());
    return runStage(stage, folder, options, true, (staged) => {
      if (staged !== undefined) checkCorpus([stage], options, staged);
    });
  });
}

export interface RunSummary {
  papers: number;
  /** Papers run through the model in this run (0 when every vector came from the cache). */
  embedded: number;
  model: string;
  fallbackReason?: string;
  topics: number;
  outliers: number;
  report: { html: string; markdown: string };
  stages: Record<StageName, { status: StageOutcome['status']; seconds: number }>;
  seconds: number;
}

/**
 * `papermap run`: every stage in order, each skipped when up to date. The
 * options of every later stage are checked against the papers as soon as
 * ingest has read them and before ingest commits, so a run that cannot work
 * leaves the folder as it was.
 */
export async function runPipeline(folder: OutputFolder, options: Options): Promise<RunSummary> {
  const started = performance.now();
  for (const stage of STAGES) stage.checkOptions?.(options);
  for (const stage of STAGES) stage.checkFolder?.(folder, options);
  const stages = {} as RunSummary['stages'];
  let embedded = 0;
  await whileLocked(folder, async () => {
    for (const [position, stage] of STAGES.entries()) {
      nowUnderWay({ stage: stage.name, finished: STAGES.slice(0, position).map((done) => done.name) });
      const outcome = await runStage(stage, folder, options, false, (staged) => {
        if (staged !== undefined) checkCorpus(STAGES.slice(position + 1), options, staged);
      });
      stages[stage.name] = { status: outcome.status, seconds: outcome.seconds };
      if (stage.name === 'embed' && outcome.summary) embedded = (outcome.summary as { embedded: number }).embedded;
    }
  });
  const { info } = folder.readVectors();
  const clusters = folder.readClusters(info);
  return {
    papers: info.count,
    embedded,
    model: info.model,
    ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}),
    topics: clusters.topics.length,
    outliers: clusters.outliers.length,
    report: { html: folder.where('html'), markdown: folder.where('markdown') },
    stages,
    seconds: (performance.now() - started) / 1000,
  };
}
