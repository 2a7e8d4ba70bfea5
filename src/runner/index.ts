import { setImmediate } from 'node:timers/promises';
import { sha256 } from '../shared/files.js';
import { UserError } from '../shared/errors.js';
import { endIfOrphaned, supervised, tellSupervisor } from '../shared/supervised.js';
import { VERSION } from '../shared/version.js';
import { ARTIFACTS, type ArtifactName } from '../store/artifacts.js';
import { FileBackend, type Backend } from '../store/backend.js';
import { OutputFolder } from '../store/folder.js';
import { checkShardsDone } from '../store/tasks.js';
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
export async function whileLocked<T>(backend: Backend, work: () => Promise<T>): Promise<T> {
  const release = await backend.lock();
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
    await release();
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
  backend: Backend,
  options: Options,
  force: boolean,
  beforeCommit: (stagedPapers: number | undefined) => void,
): Promise<StageOutcome> {
  // let the event loop turn, so that a Ctrl-C that came during the last stage is handled before the next one starts
  await setImmediate();
  const started = performance.now();
  const folder = backend.folder;
  await backend.pull(touchedBy(stage));
  const prepared = await stage.prepare(folder, options);
  // a step that needs every shard of its stage's tasks never starts on part of them
  if (backend.tasks && prepared.tasksOf !== undefined && options.shard === undefined)
    checkShardsDone(await backend.tasks.tasksDone(stage.name, prepared.tasksOf), stage.name, backend.location);
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
    await backend.pushManifest();
    return { status: 'up to date', seconds };
  }
  const writer = folder.begin(stage.name);
  try {
    const summary = await stage.run(writer, options, prepared.plan, { ...SERVICES, tasks: backend.tasks });
    if (stage.commits?.(options) === false) {
      writer.abort();
      await backend.settle();
      return { status: 'ran', seconds: (performance.now() - started) / 1000, summary };
    }
    beforeCommit(stage.name === 'ingest' ? writer.stagedPaperCount() : undefined);
    const seconds = (performance.now() - started) / 1000;
    endIfOrphaned();
    writer.commit({ status: 'ran', seconds, fingerprint, parameters }, stage.facts?.(summary, prepared.plan) ?? {});
    await backend.push(stage.name);
    // the tasks of earlier nights or settings are read by no step now: their tables would pile up at the location
    if (backend.tasks && prepared.tasksOf !== undefined) await backend.tasks.dropOtherTasks(stage.name, prepared.tasksOf);
    return { status: 'ran', seconds, summary };
  } catch (error) {
    writer.abort();
    // what the cache kept of a failed stage is kept at the store too; the stage's own failure is the one told
    await backend.settle().catch(() => undefined);
    throw error;
  }
}

/** An output folder given alone is the file store. */
function backendOf(store: Backend | OutputFolder): Backend {
  return store instanceof OutputFolder ? new FileBackend(store) : store;
}

/** Every artifact a stage reads or writes, its cache included: what a store brings into its working copy before the stage runs. */
function touchedBy(stage: AnyStage): ArtifactName[] {
  const own = (Object.keys(ARTIFACTS) as ArtifactName[]).filter((name) => ARTIFACTS[name].stage === stage.name);
  return [...stage.reads, ...(stage.uses ?? []), ...own];
}

/**
 * `papermap <stage> --shard I/N` on a store whose tables workers share: the
 * stage's task for one shard, run at the same moment as the others, with no
 * lock. It commits its rows and then its record; a killed task is run again.
 */
async function runTask(stage: AnyStage, backend: Backend, options: Options): Promise<StageOutcome> {
  const started = performance.now();
  const summary = await stage.task!(backend.tasks!, options);
  return { status: 'ran', seconds: (performance.now() - started) / 1000, summary };
}

/** Refuses options that cannot work on this many papers, for each of `stages`. */
function checkCorpus(stages: readonly AnyStage[], options: Options, papers: number): void {
  for (const stage of stages) stage.checkCorpus?.(options, papers);
}

/** `papermap <stage>`: one stage, run whether or not it is up to date, with the folder locked. */
export async function runOneStage(stage: AnyStage, store: Backend | OutputFolder, options: Options): Promise<StageOutcome> {
  const backend = backendOf(store);
  stage.checkOptions?.(options);
  if (options.shard !== undefined && backend.tasks && stage.task) return runTask(stage, backend, options);
  // a stage whose shards commit on the file store too (embed's fill a folder's cache) runs as usual; the others' need shared tables
  if (options.shard !== undefined && stage.commits?.(options) !== false)
    throw new UserError(`${stage.name} --shard runs as a task over a LanceDB store: give --store lance (the file store cuts only embed into shards)`);
  stage.checkFolder?.(backend.folder, options);
  return whileLocked(backend, async () => {
    nowUnderWay({ stage: stage.name, finished: [] });
    const folder = backend.folder;
    if (stage.checkCorpus) await backend.pull(['papers']);
    if (stage.checkCorpus && folder.has('papers')) stage.checkCorpus(options, folder.paperCount());
    return runStage(stage, backend, options, true, (staged) => {
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
export async function runPipeline(store: Backend | OutputFolder, options: Options): Promise<RunSummary> {
  const backend = backendOf(store);
  const folder = backend.folder;
  const started = performance.now();
  for (const stage of STAGES) stage.checkOptions?.(options);
  for (const stage of STAGES) stage.checkFolder?.(folder, options);
  const stages = {} as RunSummary['stages'];
  let embedded = 0;
  await whileLocked(backend, async () => {
    for (const [position, stage] of STAGES.entries()) {
      nowUnderWay({ stage: stage.name, finished: STAGES.slice(0, position).map((done) => done.name) });
      const outcome = await runStage(stage, backend, options, false, (staged) => {
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
