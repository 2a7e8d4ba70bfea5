import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

/**
 * The layers of src/, from the bottom. A module imports only from its own
 * folder or from a lower layer: the stages never from one another, the
 * runner only the stages' declarations (stage.ts), the faces (serve, the
 * programmatic API, the commands over them, and the CLI that runs the
 * commands, in a work process when they write a folder) anything below.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['shared'],
  ['store'],
  ['pipeline', 'graph', 'recommend'],
  ['ingest', 'embed', 'index', 'cluster', 'report'],
  ['runner'],
  ['serve', 'api.ts'],
  ['commands.ts'],
  ['cli.ts'],
];

const SRC = resolve('src');
const layerOf = (part: string) => LAYERS.findIndex((layer) => layer.includes(part));
/** A module's place: the folder under src/, or the file for a module at src/'s top. */
const partOf = (file: string) => relative(SRC, file).split('/')[0];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import of papermap's own modules in src/, as [importer, imported] absolute .ts paths. */
function imports(): [string, string][] {
  return sourceFiles(SRC).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => [file, resolve(dirname(file), name).replace(/\.js$/, '.ts')] as [string, string]),
  );
}

/** Why an import goes the wrong way, or nothing. */
function wrongWay(from: string, to: string): string | undefined {
  const [a, b] = [partOf(from), partOf(to)];
  if (a === b) return undefined;
  const [la, lb] = [layerOf(a), layerOf(b)];
  if (la < 0 || lb < 0) return `${a} or ${b} has no layer in test/layers.test.ts`;
  if (lb > la) return `${a} (layer ${la}) imports ${b} (layer ${lb}), above it`;
  if (lb === la) return `${a} imports ${b}, beside it in the same layer`;
  if (a === 'runner' && layerOf(b) === 3 && !to.endsWith('/stage.ts')) return `the runner reads only the stages' declarations, not ${relative(SRC, to)}`;
  return undefined;
}

describe('layers', () => {
  test('every import in src/ goes down a layer or stays in its folder', () => {
    const problems = imports().flatMap(([from, to]) => {
      const why = wrongWay(from, to);
      return why ? [`${relative(SRC, from)} -> ${relative(SRC, to)}: ${why}`] : [];
    });
    expect(problems).toEqual([]);
  });

  test('the check sees a wrong import', () => {
    expect(wrongWay(join(SRC, 'store/read.ts'), join(SRC, 'index/index.ts'))).toMatch(/imports index/);
    expect(wrongWay(join(SRC, 'report/index.ts'), join(SRC, 'index/index.ts'))).toMatch(/beside it/);
    expect(wrongWay(join(SRC, 'runner/index.ts'), join(SRC, 'embed/index.ts'))).toMatch(/declarations/);
    expect(wrongWay(join(SRC, 'report/index.ts'), join(SRC, 'graph/related.ts'))).toBeUndefined();
  });
});
