import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Clusters } from '../src/cluster/index.js';
import type { RunSummary } from '../src/runner/index.js';
import { tempFolder } from './temp.js';

const CLI = resolve('dist/src/cli.js');
const SEEDS = resolve('seeds');

let cwd: string | undefined;
/** Runs the built papermap CLI the way a user or a CI job does. */
function papermap(...args: string[]): { status: number; stdout: string; stderr: string } {
  // a working folder of its own: whatever papermap writes there goes with the test file's temp folders
  cwd ??= tempFolder('cwd');
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const ARTIFACTS = [
  'papers.jsonl',
  'ingest.state',
  'vectors.f32',
  'vectors.json',
  'index.hnsw',
  'index.json',
  'neighbours.bin',
  'related.json',
  'graph.graphml',
  'clusters.json',
  'report.md',
  'report.html',
  'changes.json',
  'map.json',
];

describe('papermap run on the seeds with the builtin embedder', () => {
  const out = tempFolder('run');
  let first: RunSummary;

  beforeAll(() => {
    const result = papermap('run', '--input', SEEDS, '--out', out, '--model', 'builtin', '--json');
    expect(result.stderr).toBe('papermap: fitting the builtin embedder on 408 papers\n');
    expect(result.status).toBe(0);
    first = JSON.parse(result.stdout) as RunSummary;
  });

  test('runs every stage and writes every artifact', () => {
    expect(first).toMatchObject({ papers: 408, model: 'builtin', report: { html: join(out, 'report.html'), markdown: join(out, 'report.md') } });
    expect(Object.values(first.stages).map((stage) => stage.status)).toEqual(['ran', 'ran', 'ran', 'ran', 'ran']);
    for (const file of [...ARTIFACTS, 'manifest.json']) expect(existsSync(join(out, file))).toBe(true);
    const clusters = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as Clusters;
    expect(first.topics).toBe(clusters.topics.length);
    expect(clusters.topics.reduce((sum, topic) => sum + topic.size, 0) + clusters.outliers.length).toBe(408);
    // topics sized for reading 408 papers, and the sentence that says so
    expect(clusters.topics.length).toBe(16);
    expect(clusters.kSelection.summary).toMatch(/^16 topics of \d+-\d+ papers in \d+ broad topics, sized for reading 408 papers/);
  });

  test('graph.graphml, which the report draws from neighbours.bin, holds the links of related.json', () => {
    const related = JSON.parse(readFileSync(join(out, 'related.json'), 'utf8')) as {
      id: string;
      neighbours: { id: string; score: number; mutual: boolean }[];
    }[];
    const rowOf = new Map(related.map((entry, row) => [entry.id, row]));
    // a mutual link is listed from both ends and drawn once
    const links = related.flatMap((entry, row) =>
      entry.neighbours
        .filter((neighbour) => !neighbour.mutual || rowOf.get(neighbour.id)! > row)
        .map((neighbour) => `${entry.id} ${neighbour.id} ${neighbour.score.toFixed(4)} ${neighbour.mutual}`),
    );
    const graphml = readFileSync(join(out, 'graph.graphml'), 'utf8');
    const edges = [
      ...graphml.matchAll(/<edge id="e\d+" source="([^"]+)" target="([^"]+)"><data key="weight">([^<]+)<\/data><data key="mutual">(true|false)<\/data>/g),
    ].map((match) => match.slice(1).join(' '));
    expect(links.length).toBeGreaterThan(500);
    expect(edges).toEqual(links);
  });

  test('finds topics a reader recognises', () => {
    const clusters = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as Clusters;
    const keywords = clusters.topics.map((topic) => topic.keywords.join(' ').toLowerCase());
    const subjects = [/moe|experts/, /cot|chain-of-thought/, /speculative|decoding|kv|quantization|hardware/, /retrieval|rag|tool/, /theorem|proof|math/];
    for (const subject of subjects) {
      expect(
        keywords.some((words) => subject.test(words)),
        String(subject),
      ).toBe(true);
    }
  });

  test('records the model, the inputs and the timings in the manifest', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.model).toMatchObject({ used: 'builtin' });
    expect(manifest.inputs).toHaveLength(4);
    expect(manifest.inputs[0]).toMatchObject({ path: join(SEEDS, '000_dcadb2093315f43d.txt'), format: 'listing', records: 77 });
    expect(manifest.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.counts).toMatchObject({ papers: 408, records: 489, duplicatesMerged: 81, vectors: 408, dimensions: 384 });
    expect(manifest.node).toBe(process.version);
    expect(Object.keys(manifest.stages)).toEqual(['ingest', 'embed', 'index', 'cluster', 'report']);
    expect(manifest.stages.cluster.parameters).toEqual({ k: 'auto', broad: 'auto', seed: 42 });
  });

  test('a second run is up to date everywhere and changes no artifact', () => {
    const before = ARTIFACTS.map((file) => readFileSync(join(out, file)));
    const result = papermap('run', '--input', SEEDS, '--out', out, '--model', 'builtin', '--json');
    expect(result.status).toBe(0);
    const second = JSON.parse(result.stdout) as RunSummary;
    expect(Object.values(second.stages).map((stage) => stage.status)).toEqual(['up to date', 'up to date', 'up to date', 'up to date', 'up to date']);
    ARTIFACTS.forEach((file, index) => expect(readFileSync(join(out, file)).equals(before[index]), file).toBe(true));
  });

  test('a fresh run elsewhere gives byte-identical artifacts', () => {
    const other = tempFolder('run');
    expect(papermap('run', '--input', SEEDS, '--out', other, '--model', 'builtin').status).toBe(0);
    for (const file of ARTIFACTS) expect(readFileSync(join(other, file)).equals(readFileSync(join(out, file))), file).toBe(true);
  });

  test('run --refit fits the topics again on an up-to-date folder, under the same ids; the next run is up to date', () => {
    const before = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as Clusters;
    const refit = papermap('run', '--input', SEEDS, '--out', out, '--model', 'builtin', '--refit', '--json');
    expect(refit.status).toBe(0);
    expect(Object.values((JSON.parse(refit.stdout) as RunSummary).stages).map((stage) => stage.status)).toEqual([
      'up to date',
      'up to date',
      'up to date',
      'ran',
      'ran',
    ]);
    const after = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as Clusters;
    expect(after.history).toMatchObject({ run: 'fitted', reason: 'refit asked for with --refit', lineage: { births: [], deaths: [], merges: [], splits: [] } });
    expect(after.topics.map((topic) => [topic.id, topic.label, topic.paperIds])).toEqual(before.topics.map((topic) => [topic.id, topic.label, topic.paperIds]));
    const again = JSON.parse(papermap('run', '--input', SEEDS, '--out', out, '--model', 'builtin', '--json').stdout) as RunSummary;
    expect(Object.values(again.stages).every((stage) => stage.status === 'up to date')).toBe(true);
  });

  describe('similar', () => {
    test('by paper id: its nearest other papers, best first', () => {
      const paper = JSON.parse(readFileSync(join(out, 'papers.jsonl'), 'utf8').split('\n')[0]) as { id: string };
      const result = papermap('similar', paper.id, '--out', out, '--top', '5', '--json');
      expect(result.status).toBe(0);
      const answer = JSON.parse(result.stdout) as { query: string; results: { id: string; title: string; score: number }[] };
      expect(answer.query).toBe(paper.id);
      expect(answer.results).toHaveLength(5);
      expect(answer.results.map((r) => r.id)).not.toContain(paper.id);
      const scores = answer.results.map((r) => r.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    });

    test('by free text: inference-acceleration papers for a question about faster inference', () => {
      const result = papermap('similar', 'speculative decoding for faster LLM inference', '--out', out, '--top', '5');
      expect(result.status).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines[0]).toBe('papers nearest to "speculative decoding for faster LLM inference"');
      expect(lines[1]).toMatch(/^rank {2}score {2}id +title$/);
      // a paper's line, then (for a paper listed on a dated page) its date on the line under it, under its id
      const ranked = lines.slice(2).filter((line) => /^ {3}\d {2}\d\.\d{3} {2}/.test(line));
      expect(ranked).toHaveLength(5);
      for (const line of lines.slice(2).filter((line) => !ranked.includes(line))) expect(line).toMatch(/^ {27}(Mar 14|May 12) \(no year given\)$/);
      const titles = ranked.join('\n').toLowerCase();
      expect(titles.match(/speculative|decoding|inference|draft|acceleration/g)!.length).toBeGreaterThanOrEqual(4);
    });

    test('--queries: every seed title finds its own paper first for at least 95% of papers', () => {
      const papers = readFileSync(join(out, 'papers.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: string; title: string });
      const file = join(out, 'titles.txt');
      writeFileSync(file, papers.map((paper) => paper.title).join('\n') + '\n');
      const result = papermap('similar', '--queries', file, '--out', out, '--top', '3');
      expect(result.status).toBe(0);
      const answers = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { query: string; results: { id: string }[] });
      expect(answers).toHaveLength(408);
      const selfFirst = answers.filter((answer, index) => answer.query === papers[index].title && answer.results[0].id === papers[index].id).length;
      expect(selfFirst / 408).toBeGreaterThanOrEqual(0.95);
    });

    test('an unknown id is an error, not free text (a queries file: test/hostile/options.test.ts)', () => {
      const single = papermap('similar', 'ffffffffffff', '--out', out);
      expect(single.status).toBe(1);
      expect(single.stderr).toBe('papermap: unknown paper id "ffffffffffff" (not in the index)\n');
    });
  });
});

describe('bad options and inputs', () => {
  test('a k that cannot work is refused before anything is embedded', () => {
    const out = tempFolder('bad');
    const tooSmall = papermap('run', '--input', SEEDS, '--out', out, '--k', '1');
    expect(tooSmall.status).toBe(1);
    expect(tooSmall.stderr).toContain("option '--k <k>' argument '1' is invalid. expected a whole number of at least 2");
    const tooLarge = papermap('run', '--input', SEEDS, '--out', out, '--k', '5000', '--model', 'builtin');
    expect(tooLarge.status).toBe(1);
    expect(tooLarge.stderr).toBe('papermap: --k 5000 is more than the 408 papers; give at most 408, or --k auto\n');
    expect(existsSync(join(out, 'vectors.f32'))).toBe(false);
  });

  test('an unknown model or a missing input is refused before any work', () => {
    const out = tempFolder('bad');
    const model = papermap('run', '--input', SEEDS, '--out', out, '--model', 'gpt-17');
    expect(model.status).toBe(1);
    expect(model.stderr).toBe('papermap: unknown model "gpt-17": use auto, minilm, builtin, or the path of a transformers.js model folder\n');
    const input = papermap('run', '--input', join(out, 'nowhere'), '--out', out);
    expect(input.status).toBe(1);
    expect(input.stderr).toBe(`papermap: input not found: ${join(out, 'nowhere')}\n`);
    expect(existsSync(join(out, 'papers.jsonl'))).toBe(false);
  });

  test('stages run out of order say which command comes first', () => {
    const out = tempFolder('bad');
    const result = papermap('cluster', '--out', out);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`papermap: ${join(out, 'papers.jsonl')} not found: run \`papermap ingest --out ${out}\` first\n`);
  });

  test('every command has --help', () => {
    for (const command of ['run', 'ingest', 'embed', 'index', 'cluster', 'report', 'similar']) {
      const result = papermap(command, '--help');
      expect(result.status, command).toBe(0);
      expect(result.stdout).toContain(`Usage: papermap ${command}`);
    }
  });
});
