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

  test('fans embedding out over the matrix, each job one shard of as many as there are jobs, then fans in to one run', () => {
    const text = readFileSync(WORKFLOW, 'utf8');
    expect(text).toContain('npx papermap embed --shard "$((JOB_INDEX + 1))/$JOBS" --out "$STORE"');
    expect(text).toMatch(/JOB_INDEX: \$\{\{ strategy\.job-index \}\}/);
    expect(text).toMatch(/JOBS: \$\{\{ strategy\.job-total \}\}/);
    expect(text).toMatch(/map:\n\s+needs: embed/);
    expect(text).toContain('npx papermap run --input "$PAPERS" --out "$STORE"');
  });
});

describe('the Kubernetes Jobs', () => {
  const documents = parseAllDocuments(readFileSync(JOBS, 'utf8')).map((document) => document.toJS() as Record<string, unknown>);

  test('each is a valid batch/v1 Job by the Kubernetes API schema', () => {
    expect(documents.map((document) => (document.metadata as { name: string }).name)).toEqual(['papermap-embed', 'papermap-map']);
    for (const document of documents) expect(() => new Job(document as never).validate()).not.toThrow();
  });

  test('the schema check catches a wrong field', () => {
    const wrong = structuredClone(documents[0]) as { spec: { completions: unknown } };
    wrong.spec.completions = 'four';
    expect(() => new Job(wrong as never).validate()).toThrow();
  });

  test('the embed Job is indexed, and its completion index becomes --shard, of as many shards as completions', () => {
    const embed = documents[0] as {
      spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { containers: { command: string[] }[] } } };
    };
    expect(embed.spec.completionMode).toBe('Indexed');
    const command = embed.spec.template.spec.containers[0].command.join(' ');
    expect(command).toContain(`--shard "$((JOB_COMPLETION_INDEX + 1))/${embed.spec.completions}"`);
    expect(embed.spec.parallelism).toBe(embed.spec.completions);
  });
});
