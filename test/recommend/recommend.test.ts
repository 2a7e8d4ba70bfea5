import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Recommendations } from '../../src/recommend/index.js';
import { startServer } from '../../src/serve/index.js';
import { tempFolder } from '../temp.js';

const CLI = resolve('dist/src/cli.js');

function papermap(...args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Every file of a folder (but recommendations.md) with the SHA-256 of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name !== 'recommendations.md') files[full] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

describe('papermap recommend on the seeds (builtin embedder)', () => {
  let out: string;
  let papers: { id: string; title: string }[];

  beforeAll(() => {
    out = tempFolder('recommend');
    const run = papermap('run', '--input', resolve('seeds'), '--out', out, '--model', 'builtin');
    expect(run.status, run.stderr).toBe(0);
    papers = readFileSync(join(out, 'papers.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  });

  const write = (name: string, text: string) => {
    const path = join(tempFolder('library'), name);
    writeFileSync(path, text);
    return path;
  };

  test('a BibTeX export of five seed papers (titles, authors, year) and one paper not in the corpus: five matched, the sixth listed', () => {
    const entries = papers
      .slice(40, 45)
      .map(
        (paper, index) =>
          `@article{seed${index},\n  title = {${paper.title.replace(/([&%$#_])/g, '\\$1')}},\n  author = {Doe, Jane and M{\\"u}ller, Hans},\n  year = {2024}\n}\n`,
      );
    const other = '@inproceedings{crops,\n  title = {Crop Rotation in Medieval {N}orthern {E}urope},\n  author = {Smith, A.},\n  year = 1999\n}\n';
    const library = write('mine.bib', [...entries, other].join('\n'));
    const before = snapshot(out);
    const result = papermap('recommend', '--library', library, '--out', out, '--json');
    expect(result.status, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as Recommendations;
    expect(answer.library).toMatchObject({ format: 'BibTeX', entries: 6, matched: 5, unmatched: [{ line: 31, name: 'crops', used: true }], problems: [] });
    // a first run: every paper is new; the library's own papers are not recommended
    expect(answer.scope).toBe('new');
    expect(answer.candidates).toBe(papers.length - 5);
    expect(answer.results).toHaveLength(20);
    const mine = new Set(papers.slice(40, 45).map((paper) => paper.id));
    for (const result of answer.results) {
      expect(mine.has(result.id)).toBe(false);
      expect(result.because.length).toBeGreaterThan(0);
      expect(result.new).toBe(true);
    }
    // nothing but recommendations.md changed in the folder, and it says what stdout said
    expect(snapshot(out)).toEqual(before);
    const markdown = readFileSync(join(out, 'recommendations.md'), 'utf8');
    expect(markdown).toContain(`**${answer.results[0].title.replace(/([\\`*_[\]|#~])/g, '\\$1')}**`);
    expect(markdown).toContain('- line 31: crops (used by its text)');
  });

  test('--all --json on a library of ids: explained results, best first, each with its closest library papers and its topic', () => {
    const ids = papers.slice(100, 110).map((paper) => paper.id);
    const result = papermap('recommend', '--library', write('ids.txt', `${ids.join('\n')}\n`), '--out', out, '--all', '--top', '5', '--json');
    expect(result.status, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as Recommendations;
    expect(answer.library).toMatchObject({ format: 'list', entries: 10, matched: 10, unmatched: [] });
    expect(answer.scope).toBe('all');
    expect(answer.results).toHaveLength(5);
    const scores = answer.results.map((entry) => entry.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const entry of answer.results) {
      expect(ids).not.toContain(entry.id);
      expect(entry.because).toHaveLength(3);
      for (const reason of entry.because) expect(ids).toContain(reason.id);
      expect(entry.because[0].similarity).toBeGreaterThanOrEqual(entry.because[2].similarity);
      expect(entry.topic === null || typeof entry.topic.label === 'string').toBe(true);
    }
    expect(answer.selfCheck).toMatchObject({ heldOut: 2, top: 5, rule: 'a random fifth' });
  });

  test('a half-broken library: one line naming the file and the bad entry, the good entries still used', () => {
    const ids = papers.slice(0, 3).map((paper) => paper.id);
    const bib = `@misc{a, title = {${papers[0].title}}}\n\n@misc{b, title = {Unclosed {brace}\n\n@misc{c, title = {${papers[1].title}}}\n`;
    const library = write('half.bib', bib);
    const result = papermap('recommend', '--library', library, '--out', out, '--all', '--json');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`^papermap: ${library.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: BibTeX entry @misc\\{b cannot be read`, 'm'));
    const answer = JSON.parse(result.stdout) as Recommendations;
    expect(answer.library).toMatchObject({ entries: 2, matched: 2, problems: [{ line: 3 }] });
    expect(answer.results.map((entry) => entry.id)).not.toContain(ids[0]);
  });

  test('bad libraries are one line each and change nothing: missing, empty, binary, enormous, matching nothing', () => {
    const before = snapshot(out);
    const huge = write('huge.bib', '');
    truncateSync(huge, 65 * 1024 * 1024);
    const cases: [string, RegExp][] = [
      [join(out, 'no-such.bib'), /cannot read the library .*no-such\.bib: no such file/],
      [write('empty.bib', '\n \n'), /empty\.bib is empty/],
      [write('binary.bib', '\u0000PK\u0003\u0004'), /binary\.bib is binary/],
      [huge, /huge\.bib holds more than 64 MB/],
      [write('dois.txt', '10.1234/not-here\n10.1234/nor-here\n'), /dois\.txt: none of its 2 entries is a paper of this folder .* none has a title or abstract/],
    ];
    for (const [library, message] of cases) {
      const result = papermap('recommend', '--library', library, '--out', out);
      expect(result.status).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^papermap: /);
      expect(lines[0]).toMatch(message);
    }
    expect(snapshot(out)).toEqual(before);
  });

  test('papermap run --library: the report gets "For your library"; only the report runs again; a missing library is refused before anything is written', () => {
    const ids = papers.slice(200, 206).map((paper) => paper.id);
    const library = write('mine.txt', `${ids.join('\n')}\n`);
    const result = papermap('run', '--input', resolve('seeds'), '--out', out, '--model', 'builtin', '--library', library, '--json');
    expect(result.status, result.stderr).toBe(0);
    const stages = (JSON.parse(result.stdout) as { stages: Record<string, { status: string }> }).stages;
    expect(Object.entries(stages).map(([name, stage]) => [name, stage.status])).toEqual([
      ['ingest', 'up to date'],
      ['embed', 'up to date'],
      ['index', 'up to date'],
      ['cluster', 'up to date'],
      ['report', 'ran'],
    ]);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    const section = markdown.slice(markdown.indexOf('## For your library'));
    expect(section).toMatch(/^## For your library\n\nThe 20 best of 402 papers added in the last run not in the library \(scoring: soft maximum/);
    expect(section).toContain('because of: ');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<section id="library" aria-label="For your library">');
    const before = snapshot(out);
    const refused = papermap('run', '--input', resolve('seeds'), '--out', out, '--model', 'builtin', '--library', join(out, 'gone.bib'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^papermap: --library .*gone\.bib: no such file/);
    expect(snapshot(out)).toEqual(before);
  });

  test('POST /api/recommend: a library in the body, the ranking as --json gives it; bad ones are 400, a GET is 405', async () => {
    const server = await startServer({ out, port: 0, host: '127.0.0.1' });
    try {
      const post = (body: string, query = '') => fetch(`${server.url}api/recommend${query}`, { method: 'POST', body });
      const ids = papers.slice(300, 305).map((paper) => paper.id);
      const reply = await post(`${ids.join('\n')}\n`, '?k=3&all=1');
      expect(reply.status).toBe(200);
      const answer = (await reply.json()) as Recommendations;
      expect(answer.library).toMatchObject({ format: 'list', entries: 5, matched: 5 });
      expect(answer.results).toHaveLength(3);
      expect(answer.results[0].because).toHaveLength(3);
      expect(await (await post('')).json()).toEqual({ error: expect.stringMatching(/^the library is empty/) });
      expect((await post('', '?k=0')).status).toBe(400);
      expect((await fetch(`${server.url}api/recommend`)).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});
