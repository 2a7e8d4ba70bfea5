import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/shared/version.js';

/**
 * Data the benches, the evaluation scripts and some tests use that papermap
 * does not ship: the folder `shared` beside the repository, or the one
 * PAPERMAP_SHARED names.
 */
export const SHARED_DIR = process.env.PAPERMAP_SHARED ? resolve(process.env.PAPERMAP_SHARED) : resolve(PACKAGE_ROOT, '..', 'shared');

/** OHSUMED's labelled medical abstracts (3,357 papers, 23 labels), for judging quality. */
export const OHSUMED = join(SHARED_DIR, 'eval', 'ohsumed-dev.jsonl');
/** The MiniLM architecture with random weights: as fast as the real model, for speed figures only; its vectors mean nothing. */
export const RANDOM_MINILM = join(SHARED_DIR, 'models', 'perf', 'minilm-l6-random');
