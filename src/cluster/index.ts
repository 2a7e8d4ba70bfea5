/**
 * Topics: fitted on all papers (fit.ts: two-level k-means with the number of
 * topics chosen by stability), then kept from run to run: new papers join
 * the nearest topic (update.ts) until the drift since the fit calls for a
 * refit, whose topics take the ids of those they continue (lineage.ts).
 */
import { UserError } from '../shared/errors.js';
import { prettyJson } from '../shared/json.js';
import { notice } from '../shared/progress.js';
import { fingerprintsOver } from '../shared/vectors.js';
import type { Clusters, TopicHistory, VectorsInfo } from '../store/schemas.js';
import type { StageWrites, Store } from '../store/store.js';
import { storeVectors } from '../store/blocks.js';
import type { PhraseModel } from '../pipeline/stage.js';
import { checkK, fitTopics, type ClusterOptions, type FittedTopics } from './fit.js';
import type { PhraseEmbedder } from './labels.js';
import type { FoundTopics } from './levels.js';
import { continueTopics } from './lineage.js';
import { applyTeamNames } from './team.js';
import { readTeamNames } from '../store/names.js';
import { night, topicsOverTime, withTonight } from './timeline.js';
import { assignToTopics, compareWithLastRun, DRIFT_THRESHOLD, type SinceLastRun } from './update.js';

export { checkK, DEFAULT_SEED, WEAK_COHERENCE, type ClusterOptions } from './fit.js';
export { DRIFT_THRESHOLD } from './update.js';
export type { BroadTopic, Clusters, Topic } from '../store/schemas.js';

const percent = (share: number) => `${(100 * share).toFixed(1)}%`;

/**
 * The topics the last run left, if there are any to go on from. A damaged or
 * unvouched clusters.json counts as none, as a damaged index does for the
 * index stage: the topics are fitted afresh, exactly as in a new folder.
 */
function lastTopics(folder: Store): Clusters | undefined {
  if (!folder.has('clusters')) return undefined;
  try {
    return folder.readJson('clusters');
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
}

/** Why this run must fit the topics anew; undefined when new papers can join the last run's topics. */
function refitReason(last: Clusters | undefined, since: SinceLastRun | undefined, options: ClusterOptions): string | undefined {
  if (!last) return 'no earlier topics to go on from: topics fitted on all papers';
  const fitted = last.history.fitOptions;
  if (options.refit) return 'refit asked for with --refit';
  const fittedBroad = fitted.broad ?? 'auto';
  if (fitted.k !== options.k || fittedBroad !== options.broad || fitted.seed !== options.seed)
    return `refit: --k ${options.k} --broad ${options.broad} --seed ${options.seed} differ from the last fit's --k ${fitted.k} --broad ${fittedBroad} --seed ${fitted.seed}`;
  if (since!.drift > DRIFT_THRESHOLD)
    return `refit: the papers added, changed and removed since the last fit are ${percent(since!.drift)} of the ${last.history.fittedPapers} it was fitted on, over the ${percent(DRIFT_THRESHOLD)} threshold`;
  if (since!.kept.every((slot) => slot < 0)) return 'refit: no paper of the last fit is left as it was';
  return undefined;
}

/**
 * The model the vectors came from, to embed label candidates with (the
 * runner hands the embed stage's loader in); none when it cannot be had
 * (vectors from a model folder since removed), and the labels then keep
 * c-TF-IDF's order.
 */
async function phraseEmbedder(
  store: Store,
  info: VectorsInfo,
  load: PhraseModel | undefined,
): Promise<{ embed?: PhraseEmbedder; dispose: () => Promise<void> }> {
  if (!load) return { dispose: async () => {} };
  try {
    const model = await load(store, info);
    return { embed: (phrases) => model.embedShort(phrases), dispose: () => model.dispose() };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { dispose: async () => {} };
  }
}

/**
 * The cluster stage: vectors and papers in, `<out>/clusters.json` out.
 * `assigned`: each paper's topic as cluster tasks found it (shards.ts), taken
 * when the topics are fitted anew (new papers joining the last run's topics
 * need no fit).
 */
export async function cluster(writer: StageWrites, options: ClusterOptions, phraseModel?: PhraseModel, assigned?: FoundTopics): Promise<Clusters> {
  // ids and dates only, which at a million papers is a fraction of the time: a run that fits no topics needs no titles or abstracts,
  // and a fit reads only those labelling reads
  // a bad topics.yaml is refused before any work
  const names = readTeamNames(writer.store.location);
  // the vectors are never held whole (1.5 GB at a million papers): each step over them reads them a block at a time
  const { ids, dates, hash } = writer.store.readPaperIdsAndDates();
  const info = writer.store.readCurrentVectorsInfo({ hash, count: ids.length });
  const vectors = storeVectors(writer.store, info, 'cluster');
  checkK(options.k, ids.length, options.broad);
  const fingerprints = fingerprintsOver(vectors);
  const last = lastTopics(writer.store);
  const since = last && compareWithLastRun(last, ids, fingerprints);
  const reason = refitReason(last, since, options);
  const current = { ids, fingerprints };

  if (assigned && reason === undefined)
    notice("cluster: the shards' topics go unused: new papers join the last run's topics as on one machine (--refit fits anew from the shards')");
  let clusters: Clusters;
  // each paper's topic by row, where the run knows it without a map of every id (new papers joining the topics)
  let topicOfRow: Int32Array | undefined;
  if (reason === undefined) {
    const previous = last!;
    const { deaths, topicOfRow: assignedRows, ...assigned } = assignToTopics(previous, since!, ids, vectors);
    topicOfRow = assignedRows;
    const { sinceFit } = previous.history;
    const history: TopicHistory = {
      ...previous.history,
      run: 'assigned',
      reason: `${since!.added} added and ${since!.changed} changed papers joined their nearest topics; ${since!.removed} removed; drift since the last fit ${percent(since!.drift)} (refit over ${percent(DRIFT_THRESHOLD)})`,
      sinceFit: { added: sinceFit.added + since!.added, changed: sinceFit.changed + since!.changed, removed: sinceFit.removed + since!.removed },
      drift: Math.round(since!.drift * 10_000) / 10_000,
      lineage: { births: [], deaths, merges: [], splits: [] },
      papers: current,
    };
    clusters = { ...assigned, model: info.model, vectorsHash: info.vectorsHash, history, overTime: null };
  } else {
    const model = await phraseEmbedder(writer.store, info, phraseModel);
    let fitted: FittedTopics;
    try {
      // only the titles and abstracts labelling reads
      fitted = await fitTopics(ids, (rows) => writer.store.readPaperTexts(rows), info, vectors, options, model.embed, assigned);
    } finally {
      await model.dispose();
    }
    const continued = last && continueTopics(fitted, last);
    const history: TopicHistory = {
      run: 'fitted',
      reason,
      fitOptions: { k: options.k, broad: options.broad, seed: options.seed },
      fittedPapers: ids.length,
      sinceFit: { added: 0, changed: 0, removed: 0 },
      drift: 0,
      driftThreshold: DRIFT_THRESHOLD,
      nextTopicId: continued?.nextTopicId ?? fitted.topics.length,
      nextBroadTopicId: continued?.nextBroadTopicId ?? fitted.broadTopics.length,
      lineage: continued?.lineage ?? null,
      papers: current,
      nights: [],
    };
    clusters = { ...(continued?.topics ?? fitted), history, overTime: null };
  }
  if (names) clusters = applyTeamNames(clusters, names, last, ids, vectors);
  else if (clusters.team) {
    // topics.yaml was removed: its names go, and the merges it made stay done
    const { team: _, ...rest } = clusters;
    clusters = {
      ...rest,
      topics: clusters.topics.map(({ name: __, pinned: ___, ...topic }) => topic),
      broadTopics: clusters.broadTopics.map(({ name: __, ...broad }) => broad),
    };
  }
  // counted once the topics are final: topics.yaml may have merged some, and then each paper's topic is looked up again
  const rows = names || !topicOfRow ? topicRows(clusters, ids) : topicOfRow;
  clusters = { ...clusters, ...overTimeOf(clusters, dates, rows, last, since) };
  writer.write('clusters', clustersJson(clusters));
  return clusters;
}

/** clusters.json's text as JSON.stringify(clusters, null, 2) and a newline give it, in pieces: at a million papers it holds three lines a paper. */
function* clustersJson(clusters: Clusters): Generator<string> {
  yield* prettyJson(clusters);
  yield '\n';
}

/** Each paper's topic id by row (-1 for an outlier), from the topics' paper ids. */
function topicRows(clusters: Clusters, ids: readonly string[]): Int32Array {
  const topicOf = new Map<string, number>();
  for (const topic of clusters.topics) for (const id of topic.paperIds) topicOf.set(id, topic.id);
  return Int32Array.from(ids, (id) => topicOf.get(id) ?? -1);
}

/**
 * Topics over time: each topic's papers per period where papers have dates,
 * and each topic's size night by night (the last run's nights with
 * tonight's, which takes the place of the last when the papers are the same).
 */
function overTimeOf(
  clusters: Clusters,
  dates: readonly (string | undefined)[],
  topicOfRow: Int32Array,
  last: Clusters | undefined,
  since: SinceLastRun | undefined,
): Pick<Clusters, 'overTime' | 'history'> {
  const overTime = topicsOverTime(
    dates.length,
    (row) => topicOfRow[row],
    (row) => dates[row],
    clusters.topics.map((topic) => topic.id),
  );
  const samePapers = since !== undefined && since.added === 0 && since.changed === 0 && since.removed === 0;
  const tonight = night(clusters.topics, dates.length, dates);
  return { overTime, history: { ...clusters.history, nights: withTonight(last?.history.nights ?? [], tonight, samePapers) } };
}
