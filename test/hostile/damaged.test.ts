import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  copyOf,
  expectUnchanged,
  flipBit,
  garbage,
  goodSeedsFolder,
  join,
  manifestOf,
  oneLine,
  papermap,
  readFileSync,
  SEEDS,
  snapshot,
  truncate,
  writeFileSync,
} from './hostile.js';

/**
 * Issue 9, damaged artifacts: detected, never trusted. `run` makes the damaged
 * file's stage (and what follows) again and ends byte-identical to a fresh run;
 * `similar` and `report` refuse with one line naming the file and the command.
 */

let good: string;
let goodFiles: Map<string, Buffer>;
let paperId: string;

beforeAll(() => {
  good = goodSeedsFolder();
  goodFiles = snapshot(good);
  paperId = (JSON.parse(readFileSync(join(good, 'papers.jsonl'), 'utf8').split('\n')[0]) as { id: string }).id;
});

const STAGE_OF: Record<string, string> = {
  'papers.jsonl': 'ingest',
  'ingest.state': 'ingest',
  'vectors.f32': 'embed',
  'vectors.json': 'embed',
  'index.hnsw': 'index',
  'index.json': 'index',
  'neighbours.bin': 'index',
  'related.json': 'index',
  'clusters.json': 'cluster',
};

const DAMAGE = { truncated: truncate, 'bit-flipped': flipBit, garbage } as const;

const mismatch = (out: string, file: string) =>
  oneLine(
    `${join(out, file)}: does not match the hash ${join(out, 'manifest.json')} recorded when it was written (damaged or changed since); run \`papermap ${STAGE_OF[file]} --out ${out}\` again`,
  );

describe('papermap run on a damaged folder makes the damaged stage again and ends as a fresh run', () => {
  const cases: [string, keyof typeof DAMAGE][] = [
    ['vectors.f32', 'truncated'],
    ['vectors.f32', 'bit-flipped'],
    ['neighbours.bin', 'truncated'],
    ['neighbours.bin', 'bit-flipped'],
    ['index.hnsw', 'truncated'],
    ['index.hnsw', 'bit-flipped'],
    ['clusters.json', 'garbage'],
    ['related.json', 'garbage'],
    ['index.json', 'garbage'],
    ['vectors.json', 'garbage'],
    ['papers.jsonl', 'garbage'],
    ['ingest.state', 'bit-flipped'],
    ['ingest.state', 'truncated'],
  ];
  test.each(cases)('%s %s: run exits 0, its stage runs again, every file equals the good folder', (file, how) => {
    const out = copyOf(good, 'run');
    DAMAGE[how](join(out, file));
    const result = papermap(['run', '--input', SEEDS, '--out', out, '--model', 'builtin', '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const stages = (JSON.parse(result.stdout) as { stages: Record<string, { status: string }> }).stages;
    expect(stages[STAGE_OF[file]].status).toBe('ran');
    // papers.jsonl was sound, so ingest's commit kept it as the previous version (the same papers)
    const kept = file === 'ingest.state' ? ['.previous/papers.jsonl'] : [];
    expectUnchanged(out, goodFiles, ['manifest.json', ...kept]);
    for (const previous of kept) expect(readFileSync(join(out, previous)).equals(goodFiles.get('papers.jsonl')!)).toBe(true);
    expect(manifestOf(out).stages[STAGE_OF[file]].status).toBe('ran');
  });

  test('manifest.json garbage: run says so once, runs every stage again, and every file equals the good folder', () => {
    const out = copyOf(good, 'run');
    garbage(join(out, 'manifest.json'));
    const result = papermap(['run', '--input', SEEDS, '--out', out, '--model', 'builtin', '--json']);
    expect(result.stderr).toBe(oneLine(`${join(out, 'manifest.json')} is damaged (not valid JSON); every stage runs again`));
    expect(result.status).toBe(0);
    const stages = (JSON.parse(result.stdout) as { stages: Record<string, { status: string }> }).stages;
    expect(Object.values(stages).map((stage) => stage.status)).toEqual(['ran', 'ran', 'ran', 'ran', 'ran']);
    expectUnchanged(out, goodFiles, ['manifest.json']);
  });
});

describe('papermap similar and report on a damaged folder: exit 1, one line naming the file and the command, folder untouched', () => {
  const cases: [string, string, keyof typeof DAMAGE][] = [
    ['similar', 'vectors.f32', 'bit-flipped'],
    ['similar', 'index.hnsw', 'truncated'],
    ['similar', 'index.json', 'garbage'],
    ['similar', 'vectors.json', 'garbage'],
    ['similar', 'papers.jsonl', 'bit-flipped'],
    ['report', 'neighbours.bin', 'bit-flipped'],
    ['report', 'clusters.json', 'garbage'],
    ['report', 'vectors.f32', 'truncated'],
  ];
  test.each(cases)('%s with %s %s: exit 1 and "<file>: does not match the hash manifest.json recorded ...; run `papermap <stage>`"', (command, file, how) => {
    const out = copyOf(good, command);
    DAMAGE[how](join(out, file));
    const before = snapshot(out);
    const result = papermap(command === 'similar' ? ['similar', paperId, '--out', out] : ['report', '--out', out]);
    expect(result.stderr).toBe(mismatch(out, file));
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expectUnchanged(out, before);
  });

  test.each(['similar', 'report'])('%s with manifest.json garbage: exit 1, "manifest.json is damaged ...: run `papermap run`"', (command) => {
    const out = copyOf(good, command);
    garbage(join(out, 'manifest.json'));
    const before = snapshot(out);
    const result = papermap(command === 'similar' ? ['similar', 'mixture of experts', '--out', out] : ['report', '--out', out]);
    expect(result.stderr).toBe(
      oneLine(`${join(out, 'manifest.json')} is damaged (not valid JSON), so the files it vouches for cannot be checked: run \`papermap run --out ${out}\``),
    );
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });
});

/** Rewrites the hashes that vouch for a file (in vectors.json and manifest.json), as someone doctoring a folder would. */
function vouchFor(out: string, file: string, infoFile: string, field: string): void {
  const hash = createHash('sha256')
    .update(readFileSync(join(out, file)))
    .digest('hex');
  const info = JSON.parse(readFileSync(join(out, infoFile), 'utf8')) as Record<string, unknown>;
  info[field] = hash;
  writeFileSync(join(out, infoFile), JSON.stringify(info, null, 2) + '\n');
  const manifest = manifestOf(out);
  for (const stage of Object.values(manifest.stages)) {
    if (file in stage.outputs) stage.outputs[file] = hash;
    if (infoFile in stage.outputs)
      stage.outputs[infoFile] = createHash('sha256')
        .update(readFileSync(join(out, infoFile)))
        .digest('hex');
  }
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

describe('NaN and infinite values are refused where they enter', () => {
  test('vectors.f32 doctored with NaN, its hash matching in vectors.json and manifest.json: index exits 1 naming the vector, folder untouched', () => {
    const out = copyOf(good, 'nan');
    const bytes = readFileSync(join(out, 'vectors.f32'));
    bytes.writeFloatLE(Number.NaN, (5 * 384 + 7) * 4);
    writeFileSync(join(out, 'vectors.f32'), bytes);
    vouchFor(out, 'vectors.f32', 'vectors.json', 'vectorsHash');
    const before = snapshot(out);
    const result = papermap(['index', '--out', out]);
    expect(result.stderr).toBe(oneLine(`${join(out, 'vectors.f32')}: vector 6 holds NaN or an infinite value; run \`papermap embed --out ${out}\` again`));
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });

  test('vectors.f32 doctored with Infinity, hashes matching: similar exits 1 naming the vector', () => {
    const out = copyOf(good, 'inf');
    const bytes = readFileSync(join(out, 'vectors.f32'));
    bytes.writeFloatLE(Number.POSITIVE_INFINITY, 0);
    writeFileSync(join(out, 'vectors.f32'), bytes);
    vouchFor(out, 'vectors.f32', 'vectors.json', 'vectorsHash');
    const result = papermap(['similar', paperId, '--out', out]);
    expect(result.stderr).toBe(oneLine(`${join(out, 'vectors.f32')}: vector 1 holds NaN or an infinite value; run \`papermap embed --out ${out}\` again`));
    expect(result.status).toBe(1);
  });
});

describe('the embedding cache is never a trap', () => {
  const vectorsFile = (out: string) => join(out, 'cache', readdirSync(join(out, 'cache')).find((name) => name.endsWith('.vectors'))!);

  test('cache/ deleted: embed fits and embeds again, and vectors and cache equal the good folder', () => {
    const out = copyOf(good, 'cache');
    rmSync(join(out, 'cache'), { recursive: true });
    const result = papermap(['embed', '--out', out, '--model', 'builtin', '--json']);
    expect(result.stderr).toBe(oneLine('fitting the builtin embedder on 408 papers'));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ embedded: 408, cached: 0 });
    expectUnchanged(out, goodFiles, ['manifest.json']);
  });

  test('one cache record with a bit flipped (still near unit length): embed embeds that paper again, vectors equal the good folder', () => {
    const out = copyOf(good, 'cache');
    const file = vectorsFile(out);
    // the lowest bit of the first float of the third record: a change no unit-length test sees
    const record = 32 + 384 * 4 + 8;
    flipBit(file, 2 * record + 32);
    const result = papermap(['embed', '--out', out, '--model', 'builtin', '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ embedded: 1, cached: 407 });
    expect(readFileSync(join(out, 'vectors.f32')).equals(goodFiles.get('vectors.f32')!)).toBe(true);
  });

  test('one cache record holding NaN: embed embeds that paper again, vectors equal the good folder', () => {
    const out = copyOf(good, 'cache');
    const file = vectorsFile(out);
    const bytes = readFileSync(file);
    bytes.writeFloatLE(Number.NaN, 32 + 100 * 4);
    writeFileSync(file, bytes);
    const result = papermap(['embed', '--out', out, '--model', 'builtin', '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ embedded: 1, cached: 407 });
    expect(readFileSync(join(out, 'vectors.f32')).equals(goodFiles.get('vectors.f32')!)).toBe(true);
  });

  test('the builtin model file in cache/ cut short: embed fits it again, vectors equal the good folder', () => {
    const out = copyOf(good, 'cache');
    const model = join(out, 'cache', readdirSync(join(out, 'cache')).find((name) => name.endsWith('.model'))!);
    truncate(model);
    const result = papermap(['embed', '--out', out, '--model', 'builtin', '--json']);
    expect(result.status).toBe(0);
    expectUnchanged(out, goodFiles, ['manifest.json']);
  });

  const modelFile = (out: string) => join(out, 'cache', readdirSync(join(out, 'cache')).find((name) => name.endsWith('.model'))!);

  test.each([
    ['cache/ deleted', (out: string) => rmSync(join(out, 'cache'), { recursive: true }), () => ''],
    [
      'the builtin fit bit-flipped',
      (out: string) => flipBit(modelFile(out)),
      (out: string) => oneLine(`${modelFile(out)} is damaged (builtin model file is damaged (its SHA-256 does not match)); fitting it again`),
    ],
  ])('%s: run does not call embed up to date; it fits the builtin embedder again, and similar answers free text as before', (_name, damage, said) => {
    const out = copyOf(good, 'fit');
    const notice = said(out);
    damage(out);
    const result = papermap(['run', '--input', SEEDS, '--out', out, '--model', 'builtin', '--json']);
    expect(result.stderr).toBe(notice + oneLine('fitting the builtin embedder on 408 papers'));
    expect(result.status).toBe(0);
    const stages = (JSON.parse(result.stdout) as { stages: Record<string, { status: string }> }).stages;
    expect(Object.entries(stages).map(([stage, outcome]) => `${stage} ${outcome.status}`)).toEqual([
      'ingest up to date',
      'embed ran',
      'index up to date',
      'cluster up to date',
      'report up to date',
    ]);
    expectUnchanged(out, goodFiles, ['manifest.json']);
    const query = ['similar', 'mixture of experts for language models', '--json'];
    expect(papermap([...query, '--out', out]).stdout).toBe(papermap([...query, '--out', good]).stdout);
  });

  test('cache/ deleted: a free-text similar exits 1 saying the builtin model is missing and to run embed', () => {
    const out = copyOf(good, 'cache');
    rmSync(join(out, 'cache'), { recursive: true });
    const before = snapshot(out);
    const result = papermap(['similar', 'mixture of experts', '--out', out]);
    expect(result.stderr).toMatch(
      new RegExp(
        `^papermap: the builtin model the vectors were made with is missing \\(${join(out, 'cache')}/[0-9a-f]{16}\\.model\\): run \`papermap embed --out ${out}\` again\\n$`,
      ),
    );
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });
});
