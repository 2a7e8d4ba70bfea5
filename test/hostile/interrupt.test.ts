import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  ARTIFACTS,
  existsSync,
  join,
  manifestOf,
  OHSUMED,
  oneLine,
  papermap,
  papermapInBackground,
  RANDOM_MINILM,
  readFileSync,
  snapshot,
  expectUnchanged,
  copyOf,
  tempDir,
  truncate,
  flipBit,
  waitFor,
  workProcessOf,
  writeFileSync,
} from './hostile.js';
import { missingShared } from '../shared.js';

/**
 * Issue 9, interruptions: the folder lock, kill -9 during embed and during
 * index and the re-run that resumes, Ctrl-C during embed, progress lines in a
 * log. The machine may be busy: every wait polls, none sleeps a fixed time.
 */

/** OHSUMED and the random MiniLM come from ../shared: without them these tests are skipped, saying why. */
const MISSING = missingShared(OHSUMED, RANDOM_MINILM);

const LOCK = '.papermap.lock';
/** Bytes of one record of the random MiniLM's vector cache: text hash, 384 floats, check. */
const RECORD = 32 + 384 * 4 + 8;

/** The first `count` papers of OHSUMED, as an input file. */
function ohsumedHead(count: number): string {
  const path = join(tempDir('input'), `ohsumed-${count}.jsonl`);
  writeFileSync(path, readFileSync(OHSUMED, 'utf8').split('\n').slice(0, count).join('\n') + '\n');
  return path;
}

function holder(out: string): { pid: number; host: string; since: string } {
  return JSON.parse(readFileSync(join(out, LOCK), 'utf8'));
}

function expectSameArtifacts(out: string, fresh: string, files = ARTIFACTS): void {
  for (const file of files) expect(readFileSync(join(out, file)).equals(readFileSync(join(fresh, file))), `${file} differs from a fresh run's`).toBe(true);
}

describe.skipIf(MISSING)('OHSUMED (3,357 papers) embedded with the random MiniLM in the background', () => {
  // temp folders are made in beforeAll, not while the tests are collected: a skipped describe runs no hook that would remove them
  let out: string;
  let first: ReturnType<typeof papermapInBackground>;
  const progress = /^papermap: embedding with .+: [\d,]+\/3,357 papers \(\d+\.\d%\), \d+\.\d papers\/s, (\d+ min )?\d+ s left$/;

  beforeAll(async () => {
    out = join(tempDir('busy'), 'out');
    first = papermapInBackground(['run', '--input', OHSUMED, '--out', out, '--model', RANDOM_MINILM]);
    await waitFor(() => existsSync(join(out, LOCK)) && holder(out).pid === first.child.pid, 120, 'the first papermap to lock the folder');
  });

  test('a second papermap run on the folder exits 1: "<out> is in use by another papermap (pid, host, since): wait ... or delete the lock"', () => {
    const lock = holder(out);
    const result = papermap(['run', '--input', OHSUMED, '--out', out, '--model', RANDOM_MINILM]);
    expect(result.stderr).toBe(
      oneLine(
        `${out} is in use by another papermap (pid ${lock.pid} on ${lock.host}, since ${lock.since}): wait for it to finish; if no papermap is running there, delete ${join(out, LOCK)}`,
      ),
    );
    expect(result.status).toBe(1);
    expect(holder(out)).toEqual(lock);
    expect(first.child.exitCode).toBe(null);
  });

  test('a second papermap embed (one stage) on the folder is refused the same way', () => {
    const lock = holder(out);
    const result = papermap(['embed', '--out', out, '--model', 'builtin']);
    expect(result.stderr).toBe(
      oneLine(
        `${out} is in use by another papermap (pid ${lock.pid} on ${lock.host}, since ${lock.since}): wait for it to finish; if no papermap is running there, delete ${join(out, LOCK)}`,
      ),
    );
    expect(result.status).toBe(1);
  });

  test('stderr not a terminal: a progress line about every ten seconds with done/total, rate and time left', async () => {
    const lines = () => first.lines.filter((entry) => entry.line.includes('papers/s'));
    await waitFor(() => lines().length >= 2 || first.child.exitCode !== null, 240, 'two progress lines');
    const [one, two] = lines();
    expect(one.line).toMatch(progress);
    expect(two.line).toMatch(progress);
    expect(two.at - one.at).toBeGreaterThanOrEqual(8_000);
  });

  test('Ctrl-C (SIGINT) during embed: exit 130, one line saying what was kept and how to go on; lock released, cache kept', async () => {
    expect(first.child.exitCode).toBe(null);
    first.child.kill('SIGINT');
    const { code } = await first.exited;
    expect(code).toBe(130);
    const last = first.lines[first.lines.length - 1].line;
    expect(last).toBe(
      'papermap: interrupted during embed: the finished stages (ingest) are kept, embed left the output folder as it was; the vectors embedded so far are kept in the cache; run the same command again to go on from there',
    );
    expect(
      first
        .stderr()
        .split('\n')
        .filter((line) => line !== '' && !progress.test(line)),
    ).toEqual([last]);
    expect(existsSync(join(out, LOCK))).toBe(false);
    expect(existsSync(join(out, 'vectors.f32'))).toBe(false);
    expect(Object.keys(manifestOf(out).stages)).toEqual(['ingest']);
    const cache = readdirSync(join(out, 'cache')).find((name) => name.endsWith('.vectors'))!;
    expect(statSync(join(out, 'cache', cache)).size).toBeGreaterThanOrEqual(RECORD);
  });
});

describe.skipIf(MISSING)('kill -9 during embed (150 OHSUMED papers, random MiniLM), then a re-run', () => {
  let input: string;
  let out: string;
  let fresh: string;
  let killedPid: number;

  beforeAll(async () => {
    out = join(tempDir('kill-embed'), 'out');
    fresh = join(tempDir('fresh'), 'out');
    input = ohsumedHead(150);
    expect(papermap(['run', '--input', input, '--out', fresh, '--model', RANDOM_MINILM]).status).toBe(0);
    const run = papermapInBackground(['run', '--input', input, '--out', out, '--model', RANDOM_MINILM]);
    const cacheFile = () => {
      const dir = join(out, 'cache');
      const name = existsSync(dir) ? readdirSync(dir).find((file) => file.endsWith('.vectors')) : undefined;
      return name ? statSync(join(dir, name)).size : 0;
    };
    await waitFor(() => cacheFile() >= RECORD || run.child.exitCode !== null, 240, 'the first cached vector');
    const work = workProcessOf(run.child.pid!);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    killedPid = run.child.pid!;
    // its work process notices and ends too: nothing goes on writing the folder
    if (work !== undefined) await waitFor(() => !alive(work), 10, 'the work process to end');
  });

  test('the killed run left its lock, no vectors, and the folder as ingest committed it', () => {
    expect(holder(out).pid).toBe(killedPid);
    expect(existsSync(join(out, 'vectors.f32'))).toBe(false);
    expect(Object.keys(manifestOf(out).stages)).toEqual(['ingest']);
  });

  test('embed --json again: takes over the dead lock with a notice and embeds only what the cache lacks (cached > 0)', () => {
    const result = papermap(['embed', '--out', out, '--model', RANDOM_MINILM, '--json']);
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe(`papermap: taking over ${join(out, LOCK)}, left by a papermap that stopped (pid ${killedPid})`);
    const summary = JSON.parse(result.stdout) as { embedded: number; cached: number; papers: number };
    expect(summary.cached).toBeGreaterThan(0);
    expect(summary.embedded).toBeGreaterThan(0);
    expect(summary.embedded + summary.cached).toBe(150);
    expect(existsSync(join(out, LOCK))).toBe(false);
  });

  test("run again: embed up to date, and every artifact equals a fresh run's", () => {
    const result = papermap(['run', '--input', input, '--out', out, '--model', RANDOM_MINILM, '--json']);
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as { stages: Record<string, { status: string }> }).stages.embed.status).toBe('up to date');
    expectSameArtifacts(out, fresh);
  });
});

describe.skipIf(MISSING)('kill -9 during index (600 OHSUMED papers, builtin, HNSW search), then a re-run', () => {
  let input: string;
  const options = ['--model', 'builtin', '--m', '48', '--ef-construction', '800'];
  let out: string;
  let fresh: string;
  let killedPid: number;

  beforeAll(async () => {
    out = join(tempDir('kill-index'), 'out');
    fresh = join(tempDir('fresh'), 'out');
    input = ohsumedHead(600);
    expect(papermap(['run', '--input', input, '--out', fresh, ...options]).status).toBe(0);
    const run = papermapInBackground(['run', '--input', input, '--out', out, ...options]);
    const indexing = () => {
      if (!existsSync(join(out, 'vectors.json')) || !existsSync(join(out, '.papermap-staging'))) return false;
      try {
        return 'embed' in manifestOf(out).stages;
      } catch {
        return false;
      }
    };
    await waitFor(() => indexing() || run.child.exitCode !== null, 240, 'the index stage to start');
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    killedPid = run.child.pid!;
  });

  test('the killed run left embed committed and no index', () => {
    expect(holder(out).pid).toBe(killedPid);
    expect(Object.keys(manifestOf(out).stages)).toEqual(['ingest', 'embed']);
    expect(existsSync(join(out, 'index.json'))).toBe(false);
  });

  test("run --json again: the lock is taken over, embed is up to date (nothing re-embedded), and every artifact equals a fresh run's", () => {
    const result = papermap(['run', '--input', input, '--out', out, ...options, '--json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(oneLine(`taking over ${join(out, LOCK)}, left by a papermap that stopped (pid ${killedPid})`));
    const stages = (JSON.parse(result.stdout) as { stages: Record<string, { status: string }> }).stages;
    expect(stages.embed.status).toBe('up to date');
    expect(stages.index.status).toBe('ran');
    expectSameArtifacts(out, fresh);
  });

  const paperId = () => (JSON.parse(readFileSync(join(fresh, 'papers.jsonl'), 'utf8').split('\n')[0]) as { id: string }).id;

  test('similar on a folder searched through HNSW with index.hnsw bit-flipped: exit 1, the file and `papermap index`, no crash', () => {
    const copy = copyOf(fresh, 'hnsw');
    flipBit(join(copy, 'index.hnsw'));
    const before = snapshot(copy);
    const result = papermap(['similar', paperId(), '--out', copy]);
    expect(result.stderr).toBe(
      oneLine(
        `${join(copy, 'index.hnsw')}: does not match the hash ${join(copy, 'manifest.json')} recorded when it was written (damaged or changed since); run \`papermap index --out ${copy}\` again`,
      ),
    );
    expect(result.status).toBe(1);
    expectUnchanged(copy, before);
  });

  test("index.hnsw cut short with its hashes doctored to match: hnswlib's refusal becomes one line naming the file, no crash", () => {
    const copy = copyOf(fresh, 'hnsw');
    truncate(join(copy, 'index.hnsw'));
    const hash = createHash('sha256')
      .update(readFileSync(join(copy, 'index.hnsw')))
      .digest('hex');
    const info = JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8')) as { hnswHash: string };
    info.hnswHash = hash;
    writeFileSync(join(copy, 'index.json'), JSON.stringify(info) + '\n');
    const manifest = manifestOf(copy);
    manifest.stages.index.outputs['index.hnsw'] = hash;
    manifest.stages.index.outputs['index.json'] = createHash('sha256')
      .update(readFileSync(join(copy, 'index.json')))
      .digest('hex');
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    const result = papermap(['similar', paperId(), '--out', copy]);
    expect(result.stderr).toBe(
      oneLine(
        `${join(copy, 'index.hnsw')}: hnswlib cannot read it (Hnswlib Error: Index seems to be corrupted or unsupported); run \`papermap index --out ${copy}\` again`,
      ),
    );
    expect(result.status).toBe(1);
  });
});

/** The stages manifest.json records as committed; none while it is not there yet. */
function committedStages(out: string): string[] {
  try {
    return Object.keys(manifestOf(out).stages);
  } catch {
    return [];
  }
}

const STAGING = '.papermap-staging';

/**
 * A test of whether the stage after `before` has begun: the stages before it
 * committed and a staging folder of its own there. Neither timestamps (on a
 * fast machine the stage before's commit and the new stage's staging folder
 * fall in one clock tick) nor a mark file inside (its commit removes the mark
 * a moment before the folder) tell the two folders apart, so the stage
 * before's folder is held open while it runs: an open folder's inode is not
 * given to another while it is held, and a staging folder with another inode
 * is the new stage's.
 */
function stageBegun(out: string, before: readonly string[]): () => boolean {
  const staging = join(out, STAGING);
  let held: number | undefined;
  let marked = before.length === 0;
  return () => {
    const now = committedStages(out).join();
    if (!marked && now === before.slice(0, -1).join() && existsSync(staging)) {
      try {
        held = openSync(staging, 'r');
        marked = committedStages(out).join() === now;
      } catch {
        // the folder went between the two calls: try again on the next poll
      }
      return false;
    }
    if (!marked || now !== before.join()) return false;
    let inode: number;
    try {
      inode = statSync(staging).ino;
    } catch {
      return false;
    }
    if (held !== undefined && inode === fstatSync(held).ino) return false;
    if (held !== undefined) closeSync(held);
    return true;
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(MISSING || !existsSync('/proc/self/task'))('Ctrl-C in every stage, its work frozen mid-step: answered at once, with what was kept', () => {
  const STAGES = ['ingest', 'embed', 'index', 'cluster', 'report'];
  let out: string;
  let input: string;
  // every OHSUMED record ten times (ingest reads 33,570 records into 3,357 papers), a slow index: each stage lasts long enough to be caught
  const options = ['--model', 'builtin', '--m', '48', '--ef-construction', '800'];

  beforeAll(() => {
    out = join(tempDir('every-stage'), 'out');
    input = join(tempDir('input'), 'ohsumed-x10.jsonl');
    writeFileSync(input, readFileSync(OHSUMED, 'utf8').trimEnd().concat('\n').repeat(10));
  });

  test.each(STAGES)('%s', async (stage) => {
    const before = STAGES.slice(0, STAGES.indexOf(stage));
    // the staging folder the last test's stage left (the run clears it too) must not be taken for the stage before's
    rmSync(join(out, STAGING), { recursive: true, force: true });
    const run = papermapInBackground(['run', '--input', input, '--out', out, ...options]);
    const committed = () => committedStages(out);
    const begun = stageBegun(out, before);
    await waitFor(() => begun() || run.child.exitCode !== null, 600, `${stage} to begin`);
    expect(run.child.exitCode).toBe(null);
    const work = workProcessOf(run.child.pid!)!;
    process.kill(work, 'SIGSTOP');
    run.child.kill('SIGINT');
    // the work process cannot answer: papermap must not wait for it
    const { code } = await run.exited;
    expect(code).toBe(130);
    const finished = before.length > 0 ? `the finished stages (${before.join(', ')}) are kept` : 'no stage had finished';
    const cache = stage === 'embed' ? '; the vectors embedded so far are kept in the cache' : '';
    expect(run.stderr().trimEnd().split('\n').at(-1)).toBe(
      `papermap: interrupted during ${stage}: ${finished}, ${stage} left the output folder as it was${cache}; run the same command again to go on from there`,
    );
    await waitFor(() => !alive(work), 10, 'the work process to end');
    expect(existsSync(join(out, LOCK))).toBe(false);
    expect(committed()).toEqual(before);
  });

  test('and the next run goes on to the end', () => {
    const result = papermap(['run', '--input', input, '--out', out, ...options, '--json']);
    expect(result.status).toBe(0);
    expect(committedStages(out)).toEqual(STAGES);
  });
});
