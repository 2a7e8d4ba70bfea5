import { describe, expect, test } from 'vitest';
import { changesSince } from '../../src/report/changes.js';
import { paperDigest, type PaperDigest } from '../../src/store/read.js';
import type { Clusters, Topic } from '../../src/store/schemas.js';

const paper = (id: string, abstract = 'a'): PaperDigest => ({ id, title: `Paper ${id}`, digest: paperDigest({ title: `Paper ${id}`, abstract }) });
const topic = (id: number, paperIds: string[]): Topic => ({
  id,
  label: `topic ${id}`,
  keywords: [],
  size: paperIds.length,
  cohesion: 1,
  nearestTopic: null,
  representatives: [],
  paperIds,
  parent: 0,
  coherence: 0,
  stability: 1,
  weak: false,
});
const lineage = { births: [2], deaths: [7], merges: [{ into: 1, from: [1, 7] }], splits: [] };
/** The fields of clusters.json changes.json reads: the topics, and how the cluster stage's run continued the earlier ones. */
const clustersOf = (topics: Topic[], run: 'fitted' | 'assigned' = 'assigned') =>
  ({ topics, history: { run, reason: run === 'fitted' ? 'refit asked for with --refit' : 'joined', lineage } }) as unknown as Clusters;

describe('what changed since the previous run', () => {
  const before = [paper('p1'), paper('p2'), paper('p3'), paper('p4'), paper('p9')];
  const now = [paper('p1'), paper('p2', 'another abstract'), paper('p3'), paper('p4'), paper('p5'), paper('p6')];
  // p5 and p6 joined topic 1, listed first now that it is the biggest
  const digestBefore = new Map(before.map((old) => [old.id, old.digest]));
  const previous = {
    papers: { papers: before, changed: (row: number) => digestBefore.get(now[row].id) !== now[row].digest },
    clusters: clustersOf([topic(0, ['p1', 'p2']), topic(1, ['p3', 'p4', 'p9'])]),
  };
  const current = clustersOf([topic(1, ['p3', 'p4', 'p5', 'p6']), topic(0, ['p1', 'p2'])]);
  const topicOf = Int32Array.from([0, 0, 1, 1, 1, 1]);
  // each paper's nearest: p5 and p6 each other first, then old papers
  const neighbours = { k: 3, labels: Int32Array.from([1, 2, 3, 0, 2, 3, 3, 0, 1, 2, 0, 1, 5, 2, 3, 4, 3, 2]), scores: new Float32Array(18).fill(0.5) };
  const changes = changesSince(previous, now, current, topicOf, neighbours);

  test('papers added, changed and removed, each new one with its topic and nearest older papers', () => {
    expect(changes.counts).toEqual({ papers: 6, added: 2, changed: 1, removed: 1 });
    expect(changes.added.map((entry) => [entry.id, entry.topic, entry.nearestOlder.map((older) => older.id)])).toEqual([
      ['p5', 1, ['p3', 'p4']],
      ['p6', 1, ['p4', 'p3']],
    ]);
    expect(changes.changed.map((entry) => entry.id)).toEqual(['p2']);
    expect(changes.removed.map((entry) => entry.id)).toEqual(['p9']);
  });

  test("a topic grows against the earlier topic of its id, wherever it is listed; the lineage is the cluster stage's", () => {
    expect(changes.topics.grewMost).toEqual([{ id: 1, label: 'topic 1', before: 3, after: 4 }]);
    expect(changes.topics).toMatchObject({ ...lineage, refit: null });
    expect(changesSince(previous, now, clustersOf(current.topics, 'fitted'), topicOf, neighbours).topics.refit).toBe('refit asked for with --refit');
  });

  test('a first run lists no papers and counts them all as added', () => {
    expect(changesSince(undefined, now, current, topicOf, neighbours)).toMatchObject({ since: null, counts: { added: 6 }, added: [] });
  });
});
