import { clusterStage } from '../cluster/stage.js';
import { embedStage } from '../embed/stage.js';
import { indexStage } from '../index/stage.js';
import { ingestStage } from '../ingest/stage.js';
import type { OptionSpec, OptionTable, OptionValues } from '../pipeline/options.js';
import type { Stage } from '../pipeline/stage.js';
import { reportStage } from '../report/stage.js';

/** The pipeline, in order: `papermap run` runs these, and each is a command of its own. */
export const STAGES = [ingestStage, embedStage, indexStage, clusterStage, reportStage] as const;

/** Any stage of the table, whatever its options, plan and summary. */
// biome-ignore lint/suspicious/noExplicitAny: the stages' plans and summaries differ; the runner only passes them on
export type AnyStage = Stage<OptionTable, any, any, any>;

type OptionsOf<S> = S extends Stage<infer O, infer _P, infer _S, infer _T> ? OptionValues<O> : never;
type Intersection<U> = (U extends unknown ? (each: U) => void : never) extends (all: infer I) => void ? I : never;

/** Every option of every stage, after parsing. */
export type Options = Intersection<OptionsOf<(typeof STAGES)[number]>>;
export type OptionName = keyof Options & string;

/**
 * The stages' option tables as one: the CLI builds its commands' options
 * from it. Two stages may take the same option only by declaring the same
 * spec (one definition, one meaning).
 */
export function optionSpecs(stages: readonly AnyStage[]): Record<string, OptionSpec<unknown>> {
  const specs: Record<string, OptionSpec<unknown>> = {};
  for (const stage of stages) {
    for (const [name, spec] of Object.entries(stage.options)) {
      if (specs[name] !== undefined && specs[name] !== spec)
        throw new Error(`option ${name} is declared differently by two stages (${stage.name} and another)`);
      specs[name] = spec;
    }
  }
  return specs;
}

export const OPTION_SPECS = optionSpecs(STAGES) as Record<OptionName, OptionSpec<unknown>>;

/** Every option at its default, as a command given no flags has them. */
export function defaultOptions(): Options {
  return Object.fromEntries(Object.entries(OPTION_SPECS).map(([name, spec]) => [name, spec.default])) as Options;
}
