import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempFolder } from '../temp.js';

const CLI = resolve('dist/src/cli.js');
const SEEDS = resolve('seeds');

function papermap(...args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A LanceDB store in a folder: the same stages over tables, with the same answers as the file store, byte for byte. */
describe('a LanceDB store in a folder', () => {
  const files = tempFolder('lance-files');
  const lance = tempFolder('lance-folder');

  beforeAll(() => {
    for (const [out, store] of [
      [files, 'files'],
      [lance, 'lance'],
    ]) {
      const ran = papermap('run', '--store', store, '--input', SEEDS, '--model', 'builtin', '--out', out);
      expect(ran.status, ran.stderr).toBe(0);
    }
  }, 600_000);

  test('holds the tables and, beside them, the same reports and JSON as the file store', () => {
    expect(JSON.parse(readFileSync(join(lance, 'papermap-store.json'), 'utf8'))).toMatchObject({ store: 'lance' });
    for (const table of ['papers', 'vectors', 'neighbours', 'topics']) {
      const manifest = JSON.parse(readFileSync(join(lance, 'manifest.json'), 'utf8')) as { tables: Record<string, string> };
      expect(existsSync(join(lance, `${manifest.tables[table]}.lance`))).toBe(true);
    }
    expect(existsSync(join(lance, 'embeddings.lance'))).toBe(true);
    // papers.jsonl, vectors.f32 and neighbours.bin live only in tables there
    for (const file of ['papers.jsonl', 'vectors.f32', 'neighbours.bin']) expect(existsSync(join(lance, file))).toBe(false);
    for (const file of ['clusters.json', 'related.json', 'report.md', 'map.json', 'graph.graphml'])
      expect(readFileSync(join(lance, file), 'utf8'), file).toBe(readFileSync(join(files, file), 'utf8'));
  });

  test('a second run finds every stage up to date, with no --store: the kind is recorded', () => {
    const ran = papermap('run', '--input', SEEDS, '--model', 'builtin', '--json', '--out', lance);
    expect(ran.status, ran.stderr).toBe(0);
    const stages = (JSON.parse(ran.stdout) as { stages: Record<string, { status: string }> }).stages;
    expect(Object.values(stages).map((stage) => stage.status)).toEqual(['up to date', 'up to date', 'up to date', 'up to date', 'up to date']);
  });

  test('similar answers as it does on the file store', () => {
    const id = (JSON.parse(readFileSync(join(files, 'related.json'), 'utf8')) as { id: string }[])[7].id;
    const answers = [files, lance].map((out) => papermap('similar', id, '--json', '--out', out));
    for (const answer of answers) expect(answer.status, answer.stderr).toBe(0);
    expect(answers[1].stdout).toBe(answers[0].stdout);
  });

  test("the file store refuses the folder, and a LanceDB store refuses a file store's folder", () => {
    const refused = papermap('report', '--store', 'files', '--out', lance);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^papermap: .* holds a LanceDB store, not a file one: drop --store files/);
    const other = papermap('report', '--store', 'lance', '--out', files);
    expect(other.status).toBe(1);
    expect(other.stderr.trim()).toMatch(/^papermap: .* holds a file store, not a LanceDB one/);
  });
});

/** The nightly update run stage by stage, each command a new process with a new working copy of the store. */
describe('a LanceDB store updated one stage command at a time', () => {
  test('a second ingest with more papers, then embed, index, cluster and report: each reads the previous papers and commits, the file store likewise', () => {
    const first = tempFolder('lance-night-input');
    const seeds = readdirSync(SEEDS).sort();
    cpSync(join(SEEDS, seeds[0]), join(first, seeds[0]));
    const outs = { files: tempFolder('files-nightly'), lance: tempFolder('lance-nightly') };
    for (const [store, out] of Object.entries(outs)) {
      const ran = papermap('run', '--store', store, '--input', first, '--model', 'builtin', '--out', out);
      expect(ran.status, ran.stderr).toBe(0);
      for (const args of [['ingest', '--input', SEEDS], ['embed', '--model', 'builtin'], ['index'], ['cluster'], ['report']]) {
        const next = papermap(...args, '--out', out);
        expect(next.status, `${args[0]}: ${next.stderr}`).toBe(0);
      }
    }
    // the night's changes are told alike: the papers added since the first run
    for (const file of ['changes.json', 'report.md'])
      expect(readFileSync(join(outs.lance, file), 'utf8'), file).toBe(readFileSync(join(outs.files, file), 'utf8'));
    expect(readFileSync(join(outs.lance, 'report.md'), 'utf8')).toContain('408 papers');
  }, 600_000);
});
