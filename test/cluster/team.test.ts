import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Clusters } from '../../src/cluster/index.js';
import { clusterStage } from '../../src/cluster/stage.js';
import { reportStage } from '../../src/report/stage.js';
import { indexStage } from '../../src/index/stage.js';
import { readTeamNames } from '../../src/store/names.js';
import { runStage } from '../helpers.js';
import { tempFolder } from '../temp.js';

/** topics.yaml: a team's names, merges and pins, by stable topic id, checked with file and line. */
describe('topics a team can own', () => {
  const out = tempFolder('team');
  let fitted: Clusters;
  const write = (text: string) => writeFileSync(join(out, 'topics.yaml'), text);
  const clustersFile = () => JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as Clusters;

  beforeAll(async () => {
    for (const args of [
      ['ingest', '--input', resolve('seeds')],
      ['embed', '--model', 'builtin'],
    ]) {
      const run = spawnSync(process.execPath, [resolve('dist/src/cli.js'), ...args, '--out', out], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
    }
    fitted = await runStage(clusterStage, out, { k: 8 });
    await runStage(indexStage, out);
  }, 300_000);

  test('a bad line is one error naming the file and line, and nothing is written', async () => {
    const before = readFileSync(join(out, 'clusters.json'));
    const cases: [string, RegExp][] = [
      ['topics:\n  3: { nme: x }\n', /topics\.yaml:2: topics\.3: Unrecognized key: "nme"; fix that line/],
      ['topics:\n  2: Fine\n  x: Name\n', /topics\.yaml:3: topics\.x: Invalid key in record/],
      ['topics:\n  3: [unclosed\n', /topics\.yaml:3: /],
      ['topics:\n  1: Fine\n  99: Nowhere\n', /topics\.yaml:3: there is no topic 99 \(the topics are 0, 1, 2, 3, 4, 5, 6, 7\); fix or remove that line/],
      ['topics:\n  3: { merge: 4 }\n  4: { merge: 3 }\n', /topics\.yaml:2: topic 3's merges run in a circle \(3 -> 4 -> 3\)/],
      ['topics:\n  3: { pin: true, merge: 4 }\n', /topics\.yaml:2: topics\.3: a topic cannot be both pinned and merged/],
      ['broad:\n  9: Far\n', /topics\.yaml:2: there is no broad topic 9/],
    ];
    for (const [text, message] of cases) {
      write(text);
      await expect(runStage(clusterStage, out, { k: 8 }), text).rejects.toThrow(message);
      expect(readFileSync(join(out, 'clusters.json')).equals(before)).toBe(true);
    }
  });

  test('renames show in clusters.json and the reports; a merge moves the papers; both hold through a refit', async () => {
    const [kept, gone] = [fitted.topics[0].id, fitted.topics[5].id];
    const broad = fitted.broadTopics[0].id;
    write(`# our names\ntopics:\n  ${kept}: Our own name\n  ${gone}: { merge: ${kept} }\nbroad:\n  ${broad}: Our area\n`);
    expect(readTeamNames(out)?.topics.get(gone)).toEqual({ merge: kept, line: 4 });
    const named = await runStage(clusterStage, out, { k: 8 });
    const into = named.topics.find((topic) => topic.id === kept)!;
    expect(into.name).toBe('Our own name');
    expect(into.size).toBeGreaterThanOrEqual(fitted.topics[0].size + fitted.topics[5].size - 5);
    expect(named.topics.map((topic) => topic.id)).not.toContain(gone);
    expect(named.broadTopics.find((group) => group.id === broad)?.name).toBe('Our area');
    expect(named.team?.merged.map(({ from, into: to }) => [from, to])).toEqual([[gone, kept]]);
    await runStage(reportStage, out);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain(`## Topic ${kept}: Our own name`);
    expect(markdown).toContain('**Our area**');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Our own name');
    const refitted = await runStage(clusterStage, out, { k: 8, refit: true });
    expect(refitted.topics.find((topic) => topic.id === kept)?.name).toBe('Our own name');
    // the merged topic's papers are merged again into the topic they were merged into
    const merged = refitted.topics.find((topic) => topic.id === kept)!;
    const held = new Set([...merged.paperIds, ...refitted.outliers.filter((outlier) => outlier.nearestTopic === kept).map((outlier) => outlier.id)]);
    for (const id of fitted.topics[5].paperIds) expect(held.has(id)).toBe(true);
  });

  test('a pinned topic keeps its papers under its id through a refit with another seed', async () => {
    const pinned = clustersFile().topics[2];
    write(`topics:\n  ${pinned.id}: { name: Pinned, pin: true }\n`);
    await runStage(clusterStage, out, { k: 8 });
    const refitted = await runStage(clusterStage, out, { k: 8, seed: 7, refit: true });
    const again = refitted.topics.find((topic) => topic.id === pinned.id)!;
    expect(again.pinned).toBe(true);
    expect(again.name).toBe('Pinned');
    const held = new Set([...again.paperIds, ...refitted.outliers.filter((outlier) => outlier.nearestTopic === pinned.id).map((outlier) => outlier.id)]);
    for (const id of pinned.paperIds) expect(held.has(id)).toBe(true);
  });

  test('a rename alone needs only the report stage', async () => {
    const first = clustersFile().topics[1];
    write(`topics:\n  ${first.id}: Renamed for the report\n`);
    await runStage(reportStage, out);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`## Topic ${first.id}: Renamed for the report`);
  });
});
