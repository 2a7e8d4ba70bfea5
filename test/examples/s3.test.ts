import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type LintTools, lintTools } from '../lint-tools.js';

/**
 * The recipes for a LanceDB store on S3: the GitHub Actions workflow that fans
 * embedding out over a matrix and fans in to the map, linted by actionlint (with
 * shellcheck on its scripts), and the Kubernetes Jobs, checked against the
 * Kubernetes API's schema.
 */

const WORKFLOW = 'examples/github-actions/papermap-s3.yml';
const JOBS = 'examples/kubernetes/papermap-jobs.yaml';

describe('the GitHub Actions workflow', () => {
  let tools: LintTools;
  beforeAll(() => {
    tools = lintTools();
  }, 600_000);

  test('actionlint (with shellcheck) reports nothing', () => {
    const result = spawnSync(tools.actionlint, ['-shellcheck', tools.shellcheck, resolve(WORKFLOW)], {
      encoding: 'utf8',
      env: { ...process.env, PATH: tools.path },
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('fans embedding, then the neighbours and the topics, out over matrices, each job one shard of as many as there are jobs, then fans in to one run', () => {
    const text = readFileSync(WORKFLOW, 'utf8');
    const jobs = (parseAllDocuments(text)[0].toJS() as { jobs: Record<string, { needs?: string | string[]; steps: { run?: string }[] }> }).jobs;
    expect(Object.keys(jobs)).toEqual(['ingest', 'embed', 'vectors', 'neighbours', 'topics', 'map']);
    const runs = (job: string) => jobs[job].steps.flatMap((step) => (step.run ? [step.run] : []));
    for (const [job, command] of [
      ['embed', 'embed'],
      ['neighbours', 'index'],
      ['topics', 'cluster'],
    ])
      expect(runs(job)).toContain(`npx papermap ${command} --shard "$((JOB_INDEX + 1))/$JOBS" --out "$STORE"`);
    expect(text.match(/JOB_INDEX: \$\{\{ strategy\.job-index \}\}/g)).toHaveLength(3);
    expect(text.match(/JOBS: \$\{\{ strategy\.job-total \}\}/g)).toHaveLength(3);
    expect(jobs.vectors.needs).toBe('embed');
    expect(runs('vectors')).toContain('npx papermap embed --out "$STORE"');
    expect(jobs.neighbours.needs).toBe('vectors');
    expect(jobs.topics.needs).toBe('vectors');
    expect(jobs.map.needs).toEqual(['neighbours', 'topics']);
    expect(runs('map')).toContain('npx papermap run --input "$PAPERS" --out "$STORE"');
  });
});

describe('the Kubernetes Jobs', () => {
  const documents = parseAllDocuments(readFileSync(JOBS, 'utf8')).map((document) => document.toJS() as Record<string, unknown>);

  test('each is a valid batch/v1 Job by the Kubernetes API schema', () => {
    expect(documents.map((document) => (document.metadata as { name: string }).name)).toEqual([
      'papermap-embed',
      'papermap-vectors',
      'papermap-neighbours',
      'papermap-topics',
      'papermap-map',
    ]);
    for (const document of documents) expect(() => new Job(document as never).validate()).not.toThrow();
  });

  test('the schema check catches a wrong field', () => {
    const wrong = structuredClone(documents[0]) as { spec: { completions: unknown } };
    wrong.spec.completions = 'four';
    expect(() => new Job(wrong as never).validate()).toThrow();
  });

  test.each([
    [0, 'embed'],
    [2, 'index'],
    [3, 'cluster'],
  ])('Job %i is indexed, and its completion index becomes `%s --shard`, of as many shards as completions, within 2 GiB', (at, command) => {
    const job = documents[at] as {
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        template: { spec: { containers: { command: string[]; resources: { limits: { memory: string } } }[] } };
      };
    };
    expect(job.spec.completionMode).toBe('Indexed');
    const [container] = job.spec.template.spec.containers;
    expect(container.command.join(' ')).toContain(`exec papermap ${command} --shard "$((JOB_COMPLETION_INDEX + 1))/${job.spec.completions}"`);
    expect(job.spec.parallelism).toBe(job.spec.completions);
    expect(container.resources.limits.memory).toBe('2Gi');
  });

  test('the gathers run the command without --shard', () => {
    const commands = [1, 4].map(
      (at) => (documents[at] as { spec: { template: { spec: { containers: { command: string[] }[] } } } }).spec.template.spec.containers[0].command,
    );
    expect(commands[0].slice(0, 2)).toEqual(['papermap', 'embed']);
    expect(commands[1].slice(0, 2)).toEqual(['papermap', 'run']);
    for (const command of commands) expect(command).not.toContain('--shard');
  });
});
