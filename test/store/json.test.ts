import { expect, test } from 'vitest';
import { prettyJson } from '../../src/shared/json.js';

test('JSON in pieces is what JSON.stringify(value, null, 2) writes, for every kind of plain value', () => {
  const values: unknown[] = [
    1,
    'a "quoted" \u2028 string',
    null,
    true,
    [],
    {},
    [undefined, () => 1, Symbol('s'), -0, Number.NaN, 1e21, [], {}],
    { left: undefined, out: () => 1, nested: { deeper: [1, { text: 'x\\y' }], empty: {} }, '2': 'an integer key comes first' },
    [[[]], [{}]],
  ];
  for (const value of values) expect([...prettyJson(value)].join('')).toBe(JSON.stringify(value, null, 2));
});

test('a long array comes in several pieces that join to the same text', () => {
  const value = { ids: Array.from({ length: 50_000 }, (_, row) => `p${row}`), topics: [{ id: 0, paperIds: ['p1', 'p2'] }] };
  const pieces = [...prettyJson(value)];
  expect(pieces.length).toBeGreaterThan(1);
  expect(pieces.join('')).toBe(JSON.stringify(value, null, 2));
});
