import { cpSync, readdirSync, symlinkSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  copyOf,
  expectUnchanged,
  goodSeedsFolder,
  join,
  oneLine,
  papermap,
  readFileSync,
  SEEDS,
  snapshot,
  tempDir,
  TINY_BERT,
  writeFileSync,
} from './hostile.js';

/**
 * Issue 9, options and output folders: what cannot work is refused before
 * anything is written (exit 1, one line, a good folder byte-identical); no
 * stack trace reaches the user.
 */

let good: string;

beforeAll(() => {
  good = goodSeedsFolder();
});

/** The topic ids of a folder's clusters.json, as an error lists them. */
const topicIds = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as { topics: { id: number }[] }).topics
    .map((topic) => topic.id)
    .sort((a, b) => a - b)
    .join(', ');

const invalid = (flag: string, value: string, expected: string) => oneLine(`option '${flag}' argument '${value}' is invalid. ${expected} (see --help)`);

describe('run with options that cannot work: exit 1, one line, the good folder byte-identical', () => {
  const cases: [string, string[], (out: string, dir: string) => string][] = [
    ['--k 1000 on the 408 seed papers', ['--k', '1000'], () => oneLine('--k 1000 is more than the 408 papers; give at most 408, or --k auto')],
    ['--k 1', ['--k', '1'], () => invalid('--k <k>', '1', 'expected a whole number of at least 2')],
    ['--broad 0', ['--broad', '0'], () => invalid('--broad <n>', '0', 'expected a whole number of at least 2')],
    ['--broad many', ['--broad', 'many'], () => invalid('--broad <n>', 'many', 'expected a whole number of at least 2')],
    ['--broad 500 on the 408 seed papers', ['--broad', '500'], () => oneLine('--broad 500 is more than the 408 papers; give at most 408, or --broad auto')],
    ['--broad 6 over --k 5', ['--k', '5', '--broad', '6'], () => oneLine('--broad 6 is more than the 5 fine topics of --k 5; give at most 5')],
    [
      'a topics.yaml naming a topic the map does not have',
      [],
      (out) => oneLine(`${join(out, 'topics.yaml')}:3: there is no topic 999 (the topics are ${topicIds(out)}); fix or remove that line`),
    ],
    ['--neighbours 0', ['--neighbours', '0'], () => invalid('--neighbours <k>', '0', 'expected a whole number of at least 1')],
    ['--min-similarity 2', ['--min-similarity', '2'], () => invalid('--min-similarity <x>', '2', 'expected "auto" or a number from -1 to 1')],
    ['--m 1', ['--m', '1'], () => invalid('--m <n>', '1', 'expected a whole number of at least 2')],
    ['--seed -1', ['--seed', '-1'], () => invalid('--seed <n>', '-1', 'expected a whole number of at least 0')],
    ['--batch-size 0', ['--batch-size', '0'], () => invalid('--batch-size <n>', '0', 'expected a whole number of at least 1')],
    [
      'an unknown --model gpt-17',
      ['--model', 'gpt-17'],
      () => oneLine('unknown model "gpt-17": use auto, minilm, builtin, or the path of a transformers.js model folder'),
    ],
  ];
  test.each(cases)('%s', (_name, args, message) => {
    const out = copyOf(good, 'options');
    if (args.length === 0) writeFileSync(join(out, 'topics.yaml'), 'topics:\n  0: Fine\n  999: Nowhere\n');
    const before = snapshot(out);
    const result = papermap(['run', '--input', SEEDS, '--out', out, '--model', 'builtin', ...args]);
    expect(result.stderr).toBe(message(out, SEEDS));
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expectUnchanged(out, before);
  });

  test('--neighbors, the earlier spelling of --neighbours, still works, with a notice', () => {
    const out = copyOf(good, 'options');
    const result = papermap(['index', '--out', out, '--neighbors', '3', '--json']);
    expect(result.stderr).toBe(oneLine('--neighbors is now --neighbours; the old spelling goes in a later release'));
    expect(result.status).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { graph: { neighbours: number } };
    expect(index.graph.neighbours).toBe(3);
  });

  test('an --input that does not exist: "input not found: <path>"', () => {
    const out = copyOf(good, 'options');
    const before = snapshot(out);
    const missing = join(tempDir('input'), 'nowhere.jsonl');
    const result = papermap(['run', '--input', missing, '--out', out, '--model', 'builtin']);
    expect(result.stderr).toBe(oneLine(`input not found: ${missing}`));
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });

  test("--input given no path: commander's one line, see --help", () => {
    const out = copyOf(good, 'options');
    const before = snapshot(out);
    const result = papermap(['run', '--out', out, '--model', 'builtin', '--input']);
    expect(result.stderr).toBe(oneLine("option '--input <path...>' argument missing (see --help)"));
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });

  test('an input of 2 papers: "cannot find topics in 2 paper(s)", and the folder keeps the 408 papers', () => {
    const out = copyOf(good, 'options');
    const before = snapshot(out);
    const input = join(tempDir('input'), 'two.jsonl');
    writeFileSync(input, '{"title":"Attention is all you need","abstract":"Transformers."}\n{"title":"Deep residual learning","abstract":"ResNets."}\n');
    const result = papermap(['run', '--input', input, '--out', out, '--model', 'builtin']);
    expect(result.stderr).toBe(oneLine('cannot find topics in 2 paper(s): need at least 3; add papers to the inputs'));
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });

  test('a refused run or stage command on a new nested --out leaves no folder behind', () => {
    const root = tempDir('new-out');
    const refusals = [
      ['run', '--input', SEEDS, '--k', '1000', '--model', 'builtin', '--out', join(root, 'a', 'b')],
      ['run', '--input', join(root, 'nowhere.jsonl'), '--out', join(root, 'e')],
      ['ingest', '--input', join(root, 'nowhere.jsonl'), '--out', join(root, 'f', 'g')],
      ['embed', '--out', join(root, 'h', 'i')],
      ['embed', '--shard', '1/2', '--out', join(root, 'j')],
      ['index', '--out', join(root, 'k', 'l')],
      ['cluster', '--out', join(root, 'c', 'd')],
      ['report', '--out', join(root, 'm', 'n')],
    ];
    for (const args of refusals) {
      const result = papermap(args);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr.split('\n')).toHaveLength(2);
    }
    expect(readdirSync(root)).toEqual([]);
  });

  test('cluster --k 409 on the 408 papers: refused before clustering, folder byte-identical', () => {
    const out = copyOf(good, 'options');
    const before = snapshot(out);
    const result = papermap(['cluster', '--out', out, '--k', '409']);
    expect(result.stderr).toBe(oneLine('--k 409 is more than the 408 papers; give at most 408, or --k auto'));
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });
});

describe('--out that cannot be an output folder: a clear error, no hang, nothing written in the current directory', () => {
  const cases: [string, (dir: string) => string, (out: string) => string][] = [
    [
      'a file',
      (dir) => {
        writeFileSync(join(dir, 'file.txt'), 'not a folder\n');
        return join(dir, 'file.txt');
      },
      (out) => `--out ${out} is a file, not a folder: give a folder`,
    ],
    ['an empty string', () => '', () => '--out is empty: give the folder for the output'],
    ['blank', () => '   ', () => '--out is empty: give the folder for the output'],
    [
      'a path under a file',
      (dir) => {
        writeFileSync(join(dir, 'file.txt'), 'x\n');
        return join(dir, 'file.txt', 'out');
      },
      (out) => `cannot write to --out ${out} (ENOTDIR): give a folder you can write to`,
    ],
    ['under /proc', () => '/proc/papermap-out', (out) => `--out ${out} is inside /proc, a system folder: give another folder`],
    ['/sys', () => '/sys', (out) => `--out ${out} is inside /sys, a system folder: give another folder`],
    [
      'a symlink to /proc/self',
      (dir) => {
        symlinkSync('/proc/self', join(dir, 'link'));
        return join(dir, 'link');
      },
      (out) => `--out ${out} is inside /proc, a system folder: give another folder`,
    ],
  ];
  test.each(cases)('run --out %s: exit 1 with one line', (_name, make, message) => {
    const dir = tempDir('out');
    const cwd = tempDir('cwd');
    const out = make(dir);
    const before = snapshot(dir);
    const result = papermap(['run', '--input', SEEDS, '--out', out, '--model', 'builtin'], { cwd });
    expect(result.stderr).toBe(oneLine(message(out)));
    expect(result.status).toBe(1);
    expect(readdirSync(cwd)).toEqual([]);
    expectUnchanged(dir, before);
  });

  test('similar --out a file: exit 1, "is a file, not a folder"', () => {
    const dir = tempDir('out');
    writeFileSync(join(dir, 'file.txt'), 'x\n');
    const result = papermap(['similar', 'x', '--out', join(dir, 'file.txt')]);
    expect(result.stderr).toBe(oneLine(`--out ${join(dir, 'file.txt')} is a file, not a folder`));
    expect(result.status).toBe(1);
  });
});

describe('similar --queries that is not a file of queries: a clear error, never a hang', () => {
  test('--queries /dev/zero: exit 1 within seconds, "holds more than 64 MB (is it a device?)"', () => {
    const started = Date.now();
    const result = papermap(['similar', '--queries', '/dev/zero', '--out', good]);
    expect(result.stderr).toBe(oneLine('/dev/zero holds more than 64 MB (is it a device?): give a file of queries, one a line'));
    expect(result.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('--queries a folder: exit 1, "cannot read <folder>: EISDIR"', () => {
    const dir = tempDir('queries');
    const result = papermap(['similar', '--queries', dir, '--out', good]);
    expect(result.stderr).toBe(oneLine(`cannot read ${dir}: EISDIR`));
    expect(result.status).toBe(1);
  });

  test('--queries with unknown ids on some lines: every other line answered in order, each bad line reported with its line, exit 1', () => {
    const known = (JSON.parse(readFileSync(join(good, 'papers.jsonl'), 'utf8').split('\n')[0]) as { id: string }).id;
    const file = join(tempDir('queries'), 'queries.txt');
    writeFileSync(file, `reasoning with chain of thought\n\n2401.99999\n${known}\nffffffffffff\n`);
    const result = papermap(['similar', '--queries', file, '--out', good, '--top', '2']);
    expect(result.stderr).toBe(
      oneLine(`${file}:3: unknown paper id "2401.99999" (not in the index); the other lines are answered`) +
        oneLine(`${file}:5: unknown paper id "ffffffffffff" (not in the index); the other lines are answered`),
    );
    expect(result.status).toBe(1);
    const answers = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { query: string; results?: { id: string }[]; error?: string });
    expect(answers.map((answer) => answer.query)).toEqual(['reasoning with chain of thought', '2401.99999', known, 'ffffffffffff']);
    expect(answers[0].results).toHaveLength(2);
    expect(answers[1]).toEqual({ query: '2401.99999', error: 'unknown paper id "2401.99999" (not in the index)' });
    expect(answers[2].results).toHaveLength(2);
    expect(answers[2].results!.map((answer) => answer.id)).not.toContain(known);
    expect(answers[3]).toEqual({ query: 'ffffffffffff', error: 'unknown paper id "ffffffffffff" (not in the index)' });
  });

  test('--queries an empty file: exit 1, "no queries (one id or text a line)"', () => {
    const file = join(tempDir('queries'), 'empty.txt');
    writeFileSync(file, '\n\n');
    const result = papermap(['similar', '--queries', file, '--out', good]);
    expect(result.stderr).toBe(oneLine(`${file}: no queries (one id or text a line)`));
    expect(result.status).toBe(1);
  });
});

describe('no stack trace reaches a user', () => {
  function corruptModel(): string {
    const model = join(tempDir('model'), 'tiny-bert');
    cpSync(TINY_BERT, model, { recursive: true });
    writeFileSync(join(model, 'onnx', 'model.onnx'), Buffer.from('this is not an ONNX protobuf '.repeat(200)));
    return model;
  }

  test('a corrupt onnx/model.onnx in a --model folder: embed exits 1 with one line, the good folder byte-identical', () => {
    const model = corruptModel();
    const out = copyOf(good, 'onnx');
    const before = snapshot(out);
    const result = papermap(['embed', '--out', out, '--model', model]);
    expect(result.stderr).toBe(
      oneLine(`cannot load the model in ${model}: ${join(model, 'onnx', 'model.onnx')}: Can't create a session; replace it with a sound copy`),
    );
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });

  test('a damaged tokenizer.json in a --model folder: one line naming that file', () => {
    const model = join(tempDir('model'), 'tiny-bert');
    cpSync(TINY_BERT, model, { recursive: true });
    writeFileSync(join(model, 'tokenizer.json'), '{"model": {"type": "WordPiece"}, "normalizer": null}');
    const out = copyOf(good, 'tokenizer');
    const before = snapshot(out);
    const result = papermap(['embed', '--out', out, '--model', model]);
    expect(result.stderr).toMatch(
      new RegExp(`^papermap: cannot load the model in ${model}: ${join(model, 'tokenizer.json')}: .+; replace it with a sound copy\\n$`),
    );
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });

  test('the same with PAPERMAP_DEBUG=1: the stack is shown', () => {
    const model = corruptModel();
    const out = copyOf(good, 'onnx');
    const result = papermap(['embed', '--out', out, '--model', model], { env: { PAPERMAP_DEBUG: '1' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      oneLine(`cannot load the model in ${model}: ${join(model, 'onnx', 'model.onnx')}: Can't create a session; replace it with a sound copy`),
    );
    expect(result.stderr).toMatch(/\n {4}at /);
  });

  test('--version prints the version of package.json', () => {
    const result = papermap(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}\n`);
    expect(result.stderr).toBe('');
  });

  test('an unknown command: exit 1, one line', () => {
    const result = papermap(['frobnicate']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(oneLine("unknown command 'frobnicate' (see --help)"));
  });
});
