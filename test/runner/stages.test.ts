import { describe, expect, test } from 'vitest';
import { option } from '../../src/pipeline/options.js';
import { defineStage } from '../../src/pipeline/stage.js';
import { defaultOptions, OPTION_SPECS, optionSpecs, STAGES } from '../../src/runner/stages.js';

const stageWith = (name: 'index' | 'cluster', options: Record<string, ReturnType<typeof option<number>>>) =>
  defineStage({ name, description: '', reads: [], options, prepare: () => ({ plan: undefined }), run: () => undefined, describe: () => '' });

describe('the stage table', () => {
  test("the runner's options are the stages' own, one spec each (--shard, taken by embed, index and cluster, is one)", () => {
    const declared = STAGES.flatMap((stage) => Object.entries(stage.options).map(([name, spec]) => ({ stage: stage.name, name, spec })));
    for (const { name, spec } of declared) expect(OPTION_SPECS[name as keyof typeof OPTION_SPECS]).toBe(spec);
    expect(Object.keys(OPTION_SPECS).sort()).toEqual([...new Set(declared.map((option) => option.name))].sort());
    expect(declared.filter((option) => option.name === 'shard').map((option) => option.stage)).toEqual(['embed', 'index', 'cluster']);
    expect(defaultOptions()).toMatchObject({ inputs: ['seeds'], model: 'auto', neighbours: 10, k: 'auto', seed: 42, refit: false, shard: undefined });
  });

  test('two stages may share an option only by declaring the same spec', () => {
    const seed = option<number>({ flags: '--seed <n>', description: 'seed', default: 1 });
    expect(Object.keys(optionSpecs([stageWith('index', { seed }), stageWith('cluster', { seed })]))).toEqual(['seed']);
    const other = option<number>({ flags: '--seed <n>', description: 'another seed', default: 2 });
    expect(() => optionSpecs([stageWith('index', { seed }), stageWith('cluster', { seed: other })])).toThrow(/declared differently/);
  });
});
