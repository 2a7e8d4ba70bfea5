import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { type LintTools, lintTools } from '../lint-tools.js';
import { tempFolder } from '../temp.js';

/**
 * The composite action (action.yml, action/papermap.sh) and every workflow
 * under examples/: linted by actionlint with shellcheck, and the action's
 * script run as a workflow's jobs run it, on the built papermap.
 */

const ROOT = resolve('.');
const SCRIPT = resolve('action/papermap.sh');

/** Every file under a folder, relative to the repository. */
function filesUnder(dir: string): string[] {
  return readdirSync(resolve(dir), { recursive: true, encoding: 'utf8' }).map((path) => join(dir, path));
}

/** The workflows under examples/: YAML files with jobs. */
const WORKFLOWS = filesUnder('examples').filter((path) => /\.ya?ml$/.test(path) && /^jobs:/m.test(readFileSync(path, 'utf8')));
const SCRIPTS = [relative(ROOT, SCRIPT), ...filesUnder('examples').filter((path) => path.endsWith('.sh'))];

describe('linted', () => {
  let tools: LintTools;
  beforeAll(() => {
    tools = lintTools();
  }, 600_000);

  test('the examples hold a workflow that uses the action', () => {
    expect(WORKFLOWS).toContain(join('examples', 'github-actions', 'papermap-nightly.yml'));
    expect(WORKFLOWS.some((path) => /uses: OWNER\/papermap@v1/.test(readFileSync(path, 'utf8')))).toBe(true);
  });

  // the workflow in a repository of its own, where `uses: OWNER/papermap@v1` is this checkout's action.yml (`./`):
  // actionlint then checks every input given and every output read against action.yml
  test.each(WORKFLOWS)('actionlint (with shellcheck) reports nothing on %s', (workflow) => {
    const repository = tempFolder('actionlint');
    mkdirSync(join(repository, '.git'));
    mkdirSync(join(repository, '.github', 'workflows'), { recursive: true });
    cpSync('action.yml', join(repository, 'action.yml'));
    const text = readFileSync(workflow, 'utf8').replace(/uses: OWNER\/papermap@v\d+/g, 'uses: ./');
    writeFileSync(join(repository, '.github', 'workflows', 'workflow.yml'), text);
    const result = spawnSync(tools.actionlint, ['-shellcheck', tools.shellcheck, '-verbose'], {
      cwd: repository,
      encoding: 'utf8',
      env: { ...process.env, PATH: tools.path },
    });
    expect(result.stderr).not.toMatch(/Rule "shellcheck" was disabled/);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  test.each(SCRIPTS)('shellcheck reports nothing on %s', (script) => {
    const result = spawnSync(tools.shellcheck, [script], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  test('actionlint does catch an output the action does not have (the check above is a real one)', () => {
    const repository = tempFolder('actionlint');
    mkdirSync(join(repository, '.git'));
    mkdirSync(join(repository, '.github', 'workflows'), { recursive: true });
    cpSync('action.yml', join(repository, 'action.yml'));
    const text = readFileSync(join('examples', 'github-actions', 'papermap-nightly.yml'), 'utf8')
      .replace(/uses: OWNER\/papermap@v\d+/g, 'uses: ./')
      .replace('steps.papermap.outputs.html', 'steps.papermap.outputs.report')
      .replace(/papers: (?=\$\{\{ env.PAPERS)/, 'paper: ');
    writeFileSync(join(repository, '.github', 'workflows', 'workflow.yml'), text);
    const result = spawnSync(tools.actionlint, ['-shellcheck', tools.shellcheck], {
      cwd: repository,
      encoding: 'utf8',
      env: { ...process.env, PATH: tools.path },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/property "report" is not defined/);
    expect(result.stdout).toMatch(/input "paper" is not defined/);
  });
});

describe('the action run as the example workflow runs it', () => {
  const work = tempFolder('action');
  const out = join(work, 'output');
  const input = join(work, 'papers.jsonl');
  const log = join(work, 'papermap-calls.log');
  // a papermap that writes down how it was called, then runs the built one
  const wrapper = join(work, 'papermap');
  writeFileSync(wrapper, `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${log}'\nexec '${process.execPath}' '${resolve('dist/src/cli.js')}' "$@"\n`);
  chmodSync(wrapper, 0o755);

  /** One step of the action: its outputs, its job summary, and how it ended. */
  function step(inputs: Record<string, string>): { status: number; stderr: string; outputs: Record<string, string>; summary: string } {
    const outputs = join(work, `outputs-${Math.random().toString(36).slice(2)}`);
    const summary = `${outputs}.summary`;
    writeFileSync(outputs, '');
    const env: Record<string, string> = { ...process.env, PAPERMAP: wrapper, GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: work };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`] = value;
    const result = spawnSync('bash', [SCRIPT, 'run'], { cwd: work, encoding: 'utf8', env });
    const pairs = readFileSync(outputs, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
    return {
      status: result.status ?? -1,
      stderr: result.stderr,
      outputs: Object.fromEntries(pairs),
      summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '',
    };
  }

  beforeAll(() => {
    const papers = readInputs(listInputFiles(['seeds'])).papers.slice(0, 60);
    writeFileSync(input, papers.map((paper) => JSON.stringify({ id: paper.id, title: paper.title, abstract: paper.abstract })).join('\n') + '\n');
  });

  test('two shard jobs, then the map job: outputs give the paths and counts, "What\'s new" goes to the job summary', () => {
    const cache = join(work, 'gathered');
    mkdirSync(cache);
    let embedded = 0;
    for (const shard of ['1', '2']) {
      const job = join(work, `shard-${shard}`);
      const result = step({ papers: input, out: job, shard, shards: '2' });
      expect(result.status).toBe(0);
      expect(result.outputs).toMatchObject({ out: job, cache: join(job, 'cache'), papers: '60' });
      embedded += Number(result.outputs.embedded);
      // what upload-artifact and download-artifact (merge-multiple) do with the shard files
      for (const name of readdirSync(join(job, 'cache')).filter((file) => file.includes('.shard-'))) cpSync(join(job, 'cache', name), join(cache, name));
    }
    expect(embedded).toBe(60);
    expect(readFileSync(log, 'utf8')).toContain(`embed --shard 2/2 --out ${join(work, 'shard-2')} --json`);

    cpSync(cache, join(out, 'cache'), { recursive: true });
    const map = step({ papers: input, out, refit: 'false' });
    expect(map.stderr).toBe('');
    expect(map.status).toBe(0);
    expect(map.outputs).toMatchObject({
      html: join(out, 'report.html'),
      markdown: join(out, 'report.md'),
      changes: join(out, 'changes.json'),
      papers: '60',
      embedded: '0',
      added: '60',
      changed: '0',
      removed: '0',
    });
    expect(Number(map.outputs.topics)).toBeGreaterThan(1);
    for (const key of ['html', 'markdown', 'changes', 'related', 'graph', 'summary', 'news']) expect(existsSync(map.outputs[key])).toBe(true);
    expect(map.summary).toMatch(/^## What's new\n\nFirst run:/);
    expect(map.summary).not.toMatch(/## How the map was made/);
  });

  test('a failed papermap fails the step, with no report outputs; bad inputs are refused before papermap runs', () => {
    const failed = step({ papers: join(work, 'missing.jsonl'), out: join(work, 'failed') });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^papermap: .*missing\.jsonl/m);
    expect(failed.outputs.html).toBeUndefined();

    expect(step({ papers: input, out, shard: '3', shards: '2' }).stderr).toBe(
      "::error title=papermap::shard is '3': give a whole number from 1 to shards (2)\n",
    );
    expect(step({ papers: input, out, refit: 'yes' }).stderr).toBe("::error title=papermap::refit is 'yes': give true or false\n");
    expect(step({ papers: '', out }).status).toBe(1);
  });

  test('with a library, the reports get a "For your library" section and recommendations.md ranks the papers for it', () => {
    const ids = readFileSync(input, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .slice(0, 3)
      .map((line) => (JSON.parse(line) as { id: string }).id);
    const library = join(work, 'library.txt');
    writeFileSync(library, ids.join('\n') + '\n');
    const result = step({ papers: input, out, library });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.outputs.recommendations).toBe(join(out, 'recommendations.md'));
    expect(readFileSync(result.outputs.recommendations, 'utf8')).toMatch(
      /^# Recommended for your library\n\nThe \d+ best of \d+ papers added in the last run not in the library[\s\S]*\n1\. /,
    );
    expect(readFileSync(result.outputs.markdown, 'utf8')).toContain('## For your library');
  });

  test('refit, the reading list and a store other than files are passed on to papermap run', () => {
    writeFileSync(log, '');
    step({ papers: input, out, refit: 'true', library: join(work, 'library.bib'), store: 'lance' });
    expect(readFileSync(log, 'utf8')).toBe(`run --input ${input} --out ${out} --store lance --refit --library ${join(work, 'library.bib')} --json\n`);
  });
});
