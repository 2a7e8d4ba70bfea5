import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { DRIFT_THRESHOLD, type Clusters } from '../../src/cluster/index.js';
import { keywordSample } from '../../src/cluster/fit.js';
import { adjustedRand } from '../../src/cluster/agreement.js';
import { clusterStage } from '../../src/cluster/stage.js';
import { indexStage } from '../../src/index/stage.js';
import type { Changes } from '../../src/report/changes.js';
import { reportStage } from '../../src/report/stage.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { dot } from '../../src/shared/vectors.js';
import type { Paper } from '../../src/store/read.js';
import { FixedVectors, runStage } from '../helpers.js';
import { tempFolder } from '../temp.js';

const seeds = readInputs(listInputFiles(['seeds'])).papers;
const clustersOf = (out: string) => JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as Clusters;

/** Each paper's topic id, outliers under the topic they are nearest to. */
function topicOfPaper(clusters: Clusters): Map<string, number> {
  const topicOf = new Map<string, number>();
  for (const topic of clusters.topics) for (const id of topic.paperIds) topicOf.set(id, topic.id);
  for (const outlier of clusters.outliers) topicOf.set(outlier.id, outlier.nearestTopic);
  return topicOf;
}

describe('topics kept from run to run', () => {
  let fixed: FixedVectors;
  const night = async (out: string, papers: readonly Paper[], options: { refit?: boolean; seed?: number } = {}) => {
    fixed.folderWith(out, papers);
    await runStage(clusterStage, out, options);
    return clustersOf(out);
  };

  beforeAll(() => {
    fixed = new FixedVectors(seeds);
  });

  test('new papers join their nearest topic, and every earlier paper keeps its topic id, label and all', async () => {
    const out = tempFolder('topics');
    const first = await night(out, seeds.slice(0, -50));
    expect(first.history).toMatchObject({ run: 'fitted', fittedPapers: seeds.length - 50, lineage: null, nextTopicId: first.topics.length });
    expect(first.history.reason).toMatch(/^no earlier topics/);

    const second = await night(out, seeds);
    expect(second.history).toMatchObject({ run: 'assigned', fittedPapers: seeds.length - 50, sinceFit: { added: 50, changed: 0, removed: 0 } });
    expect(second.history.drift).toBeCloseTo(50 / (seeds.length - 50), 4);
    const before = topicOfPaper(first);
    const after = topicOfPaper(second);
    for (const [id, topic] of before) expect(after.get(id)).toBe(topic);
    expect(after.size).toBe(seeds.length);
    // labels, keywords and broad topics are the fit's; the sizes count the new papers
    expect(second.topics.map((topic) => [topic.id, topic.label, topic.parent]).sort()).toEqual(
      first.topics.map((topic) => [topic.id, topic.label, topic.parent]).sort(),
    );
    expect(second.topics.reduce((sum, topic) => sum + topic.size, 0) + second.outliers.length).toBe(seeds.length);

    // a new paper is in the topic whose centre (its earlier papers' mean vector) is nearest
    const centre = (topic: number) => {
      const sum = new Float32Array(fixed.dim);
      for (const [id, of] of before) if (of === topic) fixed.vectorOf.get(id)!.forEach((value, d) => (sum[d] += value));
      const norm = Math.hypot(...sum);
      return sum.map((value) => value / norm);
    };
    const centres = first.topics.map((topic) => ({ id: topic.id, centre: centre(topic.id) }));
    for (const paper of seeds.slice(-50)) {
      const similarities = centres.map(({ id, centre }) => ({ id, similarity: dot(fixed.vectorOf.get(paper.id)!, 0, centre, 0, fixed.dim) }));
      const nearest = similarities.reduce((best, entry) => (entry.similarity > best.similarity ? entry : best));
      expect(after.get(paper.id)).toBe(nearest.id);
    }
  });

  test('--refit fits anew and each topic takes the id of the earlier topic it continues; fresh ids are new', async () => {
    const out = tempFolder('topics');
    const first = await night(out, seeds.slice(0, -50));
    await night(out, seeds);
    const refitted = await night(out, seeds, { refit: true });
    expect(refitted.history).toMatchObject({
      run: 'fitted',
      reason: 'refit asked for with --refit',
      fittedPapers: seeds.length,
      sinceFit: { added: 0, changed: 0, removed: 0 },
    });
    const before = new Map(first.topics.map((topic) => [topic.id, new Set(topic.paperIds)]));
    for (const topic of refitted.topics) {
      const earlier = before.get(topic.id);
      if (earlier) expect(topic.paperIds.some((id) => earlier.has(id))).toBe(true);
      else {
        expect(topic.id).toBeGreaterThanOrEqual(first.history.nextTopicId);
        expect(refitted.history.lineage!.births).toContain(topic.id);
      }
    }
    const ids = refitted.topics.map((topic) => topic.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(refitted.history.nextTopicId).toBeGreaterThan(Math.max(...ids));
    expect(refitted.history.lineage!.deaths.every((id) => !ids.includes(id))).toBe(true);
    // same papers, same options: a refit finds the topics it found before, under the same ids
    const again = await night(out, seeds, { refit: true });
    expect(again.topics.map((topic) => [topic.id, topic.paperIds])).toEqual(refitted.topics.map((topic) => [topic.id, topic.paperIds]));
    expect(again.history.lineage).toEqual({ births: [], deaths: [], merges: [], splits: [] });
  });

  test(`a drift past ${100 * DRIFT_THRESHOLD}% of the fitted papers, or other options, refit by themselves`, async () => {
    const out = tempFolder('topics');
    await night(out, seeds.slice(0, -50));
    await night(out, seeds);
    // 50 added and now 100 removed: 150 of 358
    const drifted = await night(out, seeds.slice(100));
    expect(drifted.history.run).toBe('fitted');
    expect(drifted.history.reason).toBe(
      `refit: the papers added, changed and removed since the last fit are ${((100 * 150) / (seeds.length - 50)).toFixed(1)}% of the ${seeds.length - 50} it was fitted on, over the 25.0% threshold`,
    );
    const reseeded = await night(out, seeds.slice(100), { seed: 7 });
    expect(reseeded.history).toMatchObject({ run: 'fitted', fitOptions: { k: 'auto', seed: 7 } });
    expect(reseeded.history.reason).toMatch(/--seed 7 differ/);
  });

  test('a changed abstract is a new vector and finds its topic again; a topic whose papers all left dies', async () => {
    const out = tempFolder('topics');
    const first = await night(out, seeds);
    const smallest = first.topics.reduce((small, topic) => (topic.size < small.size ? topic : small));
    const leaving = new Set([...smallest.paperIds, ...first.outliers.filter((outlier) => outlier.nearestTopic === smallest.id).map((outlier) => outlier.id)]);
    expect(leaving.size / seeds.length).toBeLessThan(DRIFT_THRESHOLD);
    // the first kept paper now has the abstract (and vector) of a paper of another topic
    const kept = seeds.filter((paper) => !leaving.has(paper.id));
    const donor = first.topics.find((topic) => topic.id !== smallest.id && topic.id !== topicOfPaper(first).get(kept[0].id))!.representatives[0];
    const changed = { ...kept[0], abstract: seeds.find((paper) => paper.id === donor)!.abstract };
    const savedVector = fixed.vectorOf.get(kept[0].id)!;
    fixed.vectorOf.set(kept[0].id, fixed.vectorOf.get(donor)!);
    try {
      const second = await night(out, [changed, ...kept.slice(1)]);
      expect(second.history).toMatchObject({
        run: 'assigned',
        sinceFit: { added: 0, changed: 1, removed: leaving.size },
        lineage: { births: [], deaths: [smallest.id], merges: [], splits: [] },
      });
      expect(second.topics.map((topic) => topic.id)).not.toContain(smallest.id);
      expect(topicOfPaper(second).get(changed.id)).toBe(topicOfPaper(first).get(donor));
      // what changes.json makes of it: papers.jsonl is not yesterday's with papers added, so each paper is compared by digest
      await runStage(indexStage, out);
      await runStage(reportStage, out);
      const changes = JSON.parse(readFileSync(join(out, 'changes.json'), 'utf8')) as Changes;
      expect(changes.counts).toEqual({ papers: kept.length, added: 0, changed: 1, removed: leaving.size });
      expect(changes.changed.map((entry) => entry.id)).toEqual([changed.id]);
      expect(changes.removed.map((entry) => entry.id).sort()).toEqual([...leaving].sort());
      for (const broad of second.broadTopics) for (const id of broad.topicIds) expect(second.topics.find((topic) => topic.id === id)?.parent).toBe(broad.id);
    } finally {
      fixed.vectorOf.set(kept[0].id, savedVector);
    }
  });
});

describe('keywords at scale', () => {
  test('past the sample size, each topic keeps its share of the sample, and a small topic at least 200 papers', () => {
    // 100,000 papers: topic 0 holds 90,000, topic 1 9,700, topic 2 250, and 50 outliers (-1)
    const memberOf = Int32Array.from({ length: 100_000 }, (_, row) => (row < 90_000 ? 0 : row < 99_700 ? 1 : row < 99_950 ? 2 : -1));
    const rows = keywordSample(memberOf, 10_000);
    const count = (topic: number) => rows.filter((row) => memberOf[row] === topic).length;
    expect([count(0), count(1), count(2), count(-1)]).toEqual([9_000, 970, 200, 50]);
    expect(new Set(rows).size).toBe(rows.length);
    expect(Array.from(rows)).toEqual(Array.from(rows).sort((a, b) => a - b));
    expect(keywordSample(memberOf, 10_000)).toEqual(rows);
    expect(keywordSample(memberOf.subarray(0, 500), 10_000)).toHaveLength(500);
  });
});

describe('agreement at scale', () => {
  test('the adjusted Rand index of two labellings of a million papers', () => {
    const a = Int32Array.from({ length: 1_000_000 }, (_, row) => row % 7);
    expect(adjustedRand(a, a)).toBe(1);
  });
});
