import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import type { RunSummary } from '../../src/runner/index.js';
import type { Changes } from '../../src/report/changes.js';
import type { Clusters } from '../../src/store/schemas.js';
import { tempFolder } from '../temp.js';

const SCRIPT = resolve('examples/nightly.sh');
const PAPERMAP = `${process.execPath} ${resolve('dist/src/cli.js')}`;
const SHARDS = 2;

function step(...args: string[]): string {
  return execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, PAPERMAP }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** One night of examples/nightly.sh as the workflow runs it: shard jobs on copies of last night's folder, gather, map. */
function night(input: string, out: string, work: string): { summary: RunSummary; embeddedByShards: number } {
  let embeddedByShards = 0;
  const shardCaches: string[] = [];
  for (let shard = 1; shard <= SHARDS; shard++) {
    const job = join(work, `shard-${shard}`);
    cpSync(out, job, { recursive: true }); // what the CI cache restores on that runner
    const said = step('shard', String(shard), String(SHARDS), input, job);
    embeddedByShards += Number(/: (\d+) embedded into/.exec(said)?.[1]);
    shardCaches.push(join(job, 'cache'));
  }
  step('gather', ...shardCaches, out);
  return { summary: JSON.parse(step('map', input, out)) as RunSummary, embeddedByShards };
}

/** A new folder `name` in `parent`. */
function folderIn(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  return dir;
}

describe('the nightly CI recipe over two simulated nights', () => {
  test('night 2 embeds only the 50 new papers, on the shards; changes.json lists them with their nearest older papers; the topics keep their ids', () => {
    const papers = readInputs(listInputFiles(['seeds'])).papers;
    const root = tempFolder('nightly');
    const out = join(root, 'output');
    mkdirSync(out);
    const toJsonl = (list: typeof papers) =>
      list.map((paper) => JSON.stringify({ id: paper.id, title: paper.title, abstract: paper.abstract })).join('\n') + '\n';
    const input = join(root, 'papers.jsonl');

    writeFileSync(input, toJsonl(papers.slice(0, -50)));
    const first = night(input, out, folderIn(root, 'night1'));
    expect(first.embeddedByShards).toBe(papers.length - 50);
    expect(first.summary).toMatchObject({ papers: papers.length - 50, embedded: 0 });

    const topicsAfter = () => {
      const clusters = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as Clusters;
      // an outlier counts in the topic it is nearest to, which is the topic it was put in
      const members = clusters.topics.flatMap((topic) => topic.paperIds.map((id) => [id, topic.id] as const));
      return { clusters, topicOf: new Map([...members, ...clusters.outliers.map((outlier) => [outlier.id, outlier.nearestTopic] as const)]) };
    };
    const night1 = topicsAfter();

    writeFileSync(input, toJsonl(papers));
    const second = night(input, out, folderIn(root, 'night2'));
    expect(second.embeddedByShards).toBe(50);
    expect(second.summary).toMatchObject({ papers: papers.length, embedded: 0 });
    const changes = JSON.parse(readFileSync(join(out, 'changes.json'), 'utf8')) as Changes;
    expect(changes.counts).toEqual({ papers: papers.length, added: 50, changed: 0, removed: 0 });
    expect(changes.added.map((paper) => paper.id).sort()).toEqual(
      papers
        .slice(-50)
        .map((paper) => paper.id)
        .sort(),
    );
    for (const paper of changes.added) expect(paper.nearestOlder.length).toBeGreaterThan(0);

    // the 50 joined the topics of night 1, which keep their ids, labels and earlier papers
    const night2 = topicsAfter();
    expect(night2.clusters.history).toMatchObject({ run: 'assigned', sinceFit: { added: 50, changed: 0, removed: 0 } });
    expect(night2.topicOf.size).toBe(papers.length);
    for (const [id, topic] of night1.topicOf) expect(night2.topicOf.get(id)).toBe(topic);
    const label = (clusters: Clusters) => new Map(clusters.topics.map((topic) => [topic.id, topic.label]));
    expect(label(night2.clusters)).toEqual(label(night1.clusters));
    for (const paper of changes.added) expect(paper.topic === null || label(night2.clusters).has(paper.topic)).toBe(true);

    // run by hand with refit: the topics are fitted anew on every paper, and keep their ids
    const refit = JSON.parse(step('map', input, out, '--refit')) as RunSummary;
    expect(refit.stages).toMatchObject({ ingest: { status: 'up to date' }, index: { status: 'up to date' }, cluster: { status: 'ran' } });
    const night3 = topicsAfter();
    expect(night3.clusters.history).toMatchObject({ run: 'fitted', reason: 'refit asked for with --refit' });
    const { births, deaths } = night3.clusters.history.lineage!;
    const before = night2.clusters.topics.map((topic) => topic.id);
    const after = night3.clusters.topics.map((topic) => topic.id);
    expect(after.filter((id) => !births.includes(id)).sort()).toEqual(before.filter((id) => !deaths.includes(id)).sort());
    for (const id of births) expect(id).toBeGreaterThanOrEqual(night2.clusters.history.nextTopicId);
  });
});
