import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { functionLengths } from '../../scripts/function-lengths.js';
import { tempFolder } from '../temp.js';

test('no function in src/ is over 150 lines', () => {
  expect(functionLengths().filter((entry) => entry.lines > 150)).toEqual([]);
});

test('a function counts from its first line to its last, a nested one on its own too, longest first', () => {
  const dir = join(tempFolder('lengths'), 'src');
  mkdirSync(join(dir, 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'a.ts'), 'export function outer(): number {\n  const inner = () => {\n    return 1;\n  };\n  return inner();\n}\n');
  writeFileSync(join(dir, 'deeper', 'b.ts'), 'export class Shape {\n  area(): number {\n    return 0;\n  }\n}\n');
  expect(functionLengths(dir).map(({ lines, name, where }) => [lines, name, where.replace(/^.*src\//, '')])).toEqual([
    [6, 'outer', 'a.ts:1'],
    [3, 'inner', 'a.ts:2'],
    [3, 'area', 'deeper/b.ts:2'],
  ]);
});
