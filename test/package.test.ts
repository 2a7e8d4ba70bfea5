import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { SHIPPED_FILES } from '../src/embed/model.js';
import { listInputFiles, readInputs } from '../src/ingest/index.js';
import type { RunSummary } from '../src/runner/index.js';
import { tempFolder } from './temp.js';

/**
 * papermap as a user gets it: the tarball `npm pack` makes, installed into an
 * empty project with `npm install <tarball>`, then run there with npx and
 * imported as a library. The install reaches the npm registry (or its cache)
 * only: a dependency that downloads from anywhere else fails it.
 */

const ROOT = resolve('.');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bundleDependencies: string[];
  optionalDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

interface Packed {
  tarball: string;
  files: string[];
}

/** The tarball of the current dist/ (vitest's global setup built it), without running the prepack scripts again. */
function pack(into: string): Packed {
  const [result] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', into], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  return { tarball: join(into, result.filename), files: result.files.map((file) => file.path) };
}

describe('the package', () => {
  let packed: Packed;
  let project: string;
  const papers = readInputs(listInputFiles(['seeds'])).papers.slice(0, 12);

  beforeAll(() => {
    packed = pack(tempFolder('pack'));
    project = tempFolder('consumer');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', packed.tarball], project);
    writeFileSync(
      join(project, 'papers.jsonl'),
      papers.map((paper) => JSON.stringify({ id: paper.id, title: paper.title, abstract: paper.abstract })).join('\n') + '\n',
    );
  }, 900_000);

  test('ships the compiled code, its types and the model, and leaves the sources, tests and seeds out', () => {
    const own = packed.files.filter((path) => !path.startsWith('node_modules/'));
    expect(own).toContain('dist/src/cli.js');
    expect(own).toContain('dist/src/api.js');
    expect(own).toContain('dist/src/api.d.ts');
    // the map page's script, bundled at build time, which every report needs
    expect(own).toContain('dist/report-map.js');
    for (const file of SHIPPED_FILES) expect(own).toContain(`models/all-MiniLM-L6-v2/${file.path}`);
    expect(own).toContain('models/all-MiniLM-L6-v2/LICENSE');
    const outside = own.filter(
      (path) => !/^(dist\/src\/|dist\/report-map\.js$|models\/all-MiniLM-L6-v2\/|package\.json$|CHANGELOG\.md$|README\.md$)/.test(path),
    );
    expect(outside).toEqual([]);
    expect(own.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  test('bundles transformers.js with sharp 0.34, whose prebuilt binaries come from the npm registry, never sharp 0.32 (which downloads libvips from GitHub)', () => {
    expect(manifest.bundleDependencies).toEqual(['@xenova/transformers', 'sharp']);
    expect(packed.files).toContain('node_modules/@xenova/transformers/package.json');
    const sharp = JSON.parse(readFileSync(join(ROOT, 'node_modules/sharp/package.json'), 'utf8')) as {
      version: string;
      optionalDependencies: Record<string, string>;
    };
    expect(manifest.dependencies.sharp).toBe(sharp.version);
    // each platform's binary package, at the version the bundled sharp asks for (its libvips comes with it)
    const platforms = Object.fromEntries(Object.entries(sharp.optionalDependencies).filter(([name]) => !name.startsWith('@img/sharp-libvips-')));
    expect(manifest.optionalDependencies).toEqual(platforms);

    const installed = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((path) => path.endsWith(join('sharp', 'package.json')) && !path.includes(`${join('sharp', 'node_modules')}`))
        .map((path) => JSON.parse(readFileSync(join(dir, path), 'utf8')) as { name: string; version: string })
        .filter((found) => found.name === 'sharp')
        .map((found) => found.version);
    expect(installed(join(project, 'node_modules'))).toEqual([sharp.version]);
  });

  test('npx papermap run embeds with the shipped model in the project that installed it', () => {
    const summary = JSON.parse(
      execFileSync('npx', ['--no-install', 'papermap', 'run', '--input', 'papers.jsonl', '--out', 'out', '--k', '2', '--json'], {
        cwd: project,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as RunSummary;
    expect(summary).toMatchObject({ papers: papers.length, embedded: papers.length, model: 'all-MiniLM-L6-v2', topics: 2 });
    expect(summary.fallbackReason).toBeUndefined();
    const info = JSON.parse(readFileSync(join(project, 'out', 'vectors.json'), 'utf8')) as { model: string; dim: number };
    expect(info).toMatchObject({ model: 'all-MiniLM-L6-v2', dim: 384 });
    expect(existsSync(join(project, 'out', 'report.html'))).toBe(true);
  });

  test("import { run, similar } from 'papermap' works, typed, and reaches nothing else", () => {
    writeFileSync(
      join(project, 'use.mjs'),
      `import { run, similar, UserError } from 'papermap';
const summary = await run({ input: 'papers.jsonl', out: 'lib', k: 2 });
const byId = await similar(${JSON.stringify(papers[0].id)}, { out: 'lib', top: 3 });
const [byText] = await similar([${JSON.stringify(papers[5].title)}], { out: 'lib', top: 1 });
let refused = '';
try { await run({ input: 'papers.jsonl', out: 'lib', k: 1 }); } catch (error) { refused = error instanceof UserError ? error.message : 'not a UserError'; }
let internal = '';
try { await import('papermap/dist/src/cli.js'); } catch (error) { internal = error.code; }
console.log(JSON.stringify({ summary, byId, byText, refused, internal }));
`,
    );
    const result = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(result.summary).toMatchObject({ papers: papers.length, model: 'all-MiniLM-L6-v2', topics: 2 });
    expect(result.byId).toMatchObject({ query: papers[0].id, kind: 'paper' });
    expect(result.byId.results).toHaveLength(3);
    expect(result.byId.results.map((paper: { id: string }) => paper.id)).not.toContain(papers[0].id);
    // a paper's own title finds the paper first
    expect(result.byText).toMatchObject({ kind: 'text', results: [{ id: papers[5].id }] });
    expect(result.refused).toBe('option k (--k): expected a whole number of at least 2');
    expect(result.internal).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');

    // the types: a right call compiles, a wrong one is caught
    writeFileSync(
      join(project, 'tsconfig.json'),
      // a user's project for Node.js, with Node's own types
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
      }),
    );
    const tsc = (file: string) => {
      try {
        execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (error) {
        return `${file}: ${(error as { stdout: string }).stdout}`;
      }
    };
    writeFileSync(
      join(project, 'use.mts'),
      `import { run, similar, type RunSummary, type SimilarAnswer } from 'papermap';
const summary: RunSummary = await run({ input: ['papers.jsonl'], k: 'auto', refit: true });
const answers: SimilarAnswer[] = await similar(['a query'], { top: 5 });
const answer: SimilarAnswer = await similar('a query');
export const seen = [summary.topics, answers.length, answer.results.length];
`,
    );
    expect(tsc('use.mts')).toBe('');
    writeFileSync(join(project, 'use.mts'), `import { run } from 'papermap';\nawait run({ input: 'papers.jsonl', k: 'many' });\n`);
    expect(tsc('use.mts')).toMatch(/error TS2322/);
  });
});
