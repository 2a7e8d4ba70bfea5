import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { notice } from '../shared/progress.js';
import { gatherRows } from '../shared/vectors.js';
import type { Shard } from '../pipeline/options.js';
import type { TopicFit, VectorsInfo } from '../store/schemas.js';
import { inBlocksOf, readTopicFit, shardTodo, taskFile, taskTable, tasksOf, type TaskStore } from '../store/tasks.js';
import { scratchFolder } from '../store/scratch.js';
import { checkK, kmeansTopics, SELECTION_SEED, type ClusterOptions } from './fit.js';
import { assignToNearest, compactTopics } from './kmeans.js';
import { centreRows, fitCentres, type FoundTopics } from './levels.js';
import { fitProjection, project, projected, projectionRows, TOPIC_DIMS, type Projection } from './reduce.js';

/** Papers a task assigns before it commits their rows: a killed task loses at most these. */
const TASK_ROWS_PER_WRITE = 8192;

/** What the cluster tasks of these vectors and settings are of, and what they fit. */
export interface ClusterTasks {
  of: string;
  count: number;
  dim: number;
  /** Topics k-means is asked for. */
  k: number;
  seed: number;
}

export function clusterTasks(info: VectorsInfo, options: Pick<ClusterOptions, 'k' | 'broad' | 'seed'>): ClusterTasks {
  return {
    of: tasksOf('cluster', info.vectorsHash, String(options.k), String(options.broad), options.seed),
    count: info.count,
    dim: info.dim,
    k: kmeansTopics(info.count, options),
    seed: options.seed,
  };
}

export interface ClusterTaskSummary {
  shard: Shard;
  papers: number;
  /** Papers of the shard assigned now; the rest a killed run of it had written. */
  assigned: number;
  alreadyWritten: number;
  /** Whether this task fitted the shared topics (the first to find none). */
  fittedTopics: boolean;
  seconds: number;
}

/**
 * The topics fitted on a seeded sample, as the cluster stage fits them on
 * one machine: the projection of the same sample rows (fit.ts's topic
 * space) and k-means centres of the same sample rows (levels.ts). Only
 * those rows are held: a few thousand, whatever the corpus.
 */
async function fitOnSample(tasks: TaskStore, plan: ClusterTasks): Promise<TopicFit> {
  const { count, dim } = plan;
  const pcaRows = projected(dim, count) ? projectionRows(count, SELECTION_SEED) : undefined;
  const kmeansRows = centreRows(count, plan.seed);
  const wanted = new Set<number>([...(pcaRows ?? []), ...kmeansRows]);
  const position = new Map([...wanted].sort((a, b) => a - b).map((row, index) => [row, index]));
  const sample = await tasks.readVectors(0, count, (row) => wanted.has(row));
  const at = (rows: Int32Array) => Array.from(rows, (row) => position.get(row)!);
  const projection = pcaRows && fitProjection(gatherRows(sample, dim, at(pcaRows)), dim, SELECTION_SEED);
  const centreSample = gatherRows(sample, dim, at(kmeansRows));
  const space = projection ? { vectors: project(centreSample, dim, projection), dim: TOPIC_DIMS } : { vectors: centreSample, dim };
  const centres = fitCentres(space.vectors, space.dim, plan.k, plan.seed, count);
  return {
    of: plan.of,
    count,
    dim,
    projection: projection ? { dim: TOPIC_DIMS, components: Array.from(projection.components), offsets: Array.from(projection.offsets) } : null,
    centres: Array.from(centres),
    sampled: kmeansRows.length < count,
  };
}

/** The topic fit every cluster task assigns to: fitted by the first task that finds none (seeded: any task fits the same) and stored with a conditional put. */
async function sharedFit(tasks: TaskStore, plan: ClusterTasks): Promise<{ fit: TopicFit; fitted: boolean }> {
  const key = taskFile('cluster', plan.of, 'json');
  const scratch = scratchFolder('cluster-task');
  const path = join(scratch, 'fit.json');
  try {
    if (await tasks.downloadShared(key, path)) return { fit: readTopicFit(readFileSync(path, 'utf8'), key), fitted: false };
    writeFileSync(path, JSON.stringify(await fitOnSample(tasks, plan)) + '\n');
    const fitted = await tasks.uploadSharedIfAbsent(key, path);
    // another task stored its fit meanwhile: every task assigns to the one stored
    if (!fitted) await tasks.downloadShared(key, path);
    return { fit: readTopicFit(readFileSync(path, 'utf8'), key), fitted };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function projectionOf(fit: TopicFit): Projection | undefined {
  return fit.projection ? { components: Float64Array.from(fit.projection.components), offsets: Float64Array.from(fit.projection.offsets) } : undefined;
}

/**
 * `cluster --shard I/N` over a store whose tables workers share: shard I's
 * run of papers, each in the topic of its nearest centre of the shared fit,
 * merged into the cluster task table by row, then the task recorded. Run
 * again, it assigns only the rows not written yet.
 */
export async function clusterTask(tasks: TaskStore, shard: Shard, options: ClusterOptions): Promise<ClusterTaskSummary> {
  const started = performance.now();
  const info = await tasks.vectorsInfo();
  checkK(options.k, info.count, options.broad);
  const plan = clusterTasks(info, options);
  const table = taskTable('cluster', plan.of);
  const { start, end, written, todo } = await shardTodo(tasks, table, shard, plan.count);
  let fitted = false;
  if (todo.length > 0) {
    const shared = await sharedFit(tasks, plan);
    fitted = shared.fitted;
    const projection = projectionOf(shared.fit);
    const spaceDim = projection ? TOPIC_DIMS : plan.dim;
    const centres = Float32Array.from(shared.fit.centres);
    // a block at a time: the task holds one block, however many papers its shard has
    for await (const { rows, vectors } of inBlocksOf(
      tasks.vectorBlocks(start, end, (row) => !written.has(row)),
      TASK_ROWS_PER_WRITE,
    )) {
      const nearest = assignToNearest(projection ? project(vectors, plan.dim, projection) : vectors, spaceDim, centres);
      await tasks.addTaskRows(table, { k: 1, rows, labels: nearest.assignments, scores: Float32Array.from(nearest.similarities) });
      await setImmediate();
    }
  }
  await tasks.recordTask({ stage: 'cluster', shard, of: plan.of });
  return {
    shard,
    papers: plan.count,
    assigned: todo.length,
    alreadyWritten: written.size,
    fittedTopics: fitted,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Each paper's topic as the cluster tasks assigned it, for the step after them; undefined when no task of these vectors and settings ran. */
export async function gatherClusterTasks(tasks: TaskStore, plan: ClusterTasks): Promise<FoundTopics | undefined> {
  const done = await tasks.tasksDone('cluster', plan.of);
  if (done.length === 0) return undefined;
  notice(`cluster: gathering the topics ${done.length} cluster shards assigned`);
  const rows = await tasks.readTaskRows(taskTable('cluster', plan.of), plan.count, 1);
  // the rows hold the index of each paper's centre; topics that drew no paper are dropped, as on one machine
  return { ...compactTopics(rows.labels), sampled: centreRows(plan.count, plan.seed).length < plan.count };
}
