import type { ClusterOptions } from './fit.js';
import { READING_SCALE, STABILITY_RUNS, type Resolution } from './resolution.js';

const two = (value: number) => value.toFixed(2).replace(/^(-?)0\./, '$1.');
const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/**
 * The one sentence the reports open the topics with: how many, how big, and
 * how they were chosen, with the numbers behind the choice.
 */
export function howChosen(facts: {
  papers: number;
  sizes: readonly number[];
  broad: number;
  middle: number;
  weak: number;
  resolution: Resolution;
  options: ClusterOptions;
}): string {
  const { sizes, resolution, options } = facts;
  const head = `${plural(sizes.length, 'topic')} of ${Math.min(...sizes)}-${Math.max(...sizes)} papers`;
  const levels = facts.middle > 0 ? ` in ${facts.middle} middle and ${facts.broad} broad topics` : ` in ${plural(facts.broad, 'broad topic')}`;
  const how =
    options.k === 'auto'
      ? `sized for reading ${facts.papers.toLocaleString('en-GB')} papers (${READING_SCALE} × the cube root of the papers)`
      : `as asked with --k ${options.k}`;
  const broad = options.broad === 'auto' ? 'the broad ones where their merge tree rises most' : `the broad ones as asked with --broad ${options.broad}`;
  const weak =
    facts.weak === 0
      ? 'in every one the top terms share papers more often than chance'
      : `${facts.weak === 1 ? '1, whose top terms seldom share a paper, is' : `${facts.weak}, whose top terms seldom share a paper, are`} marked weak`;
  const again = `k-means fits on ${STABILITY_RUNS} seeded subsamples agree ${two(resolution.agreement)} with each other`;
  return `${head}${levels}, ${how}, ${broad}; ${weak} (${again}).`;
}
