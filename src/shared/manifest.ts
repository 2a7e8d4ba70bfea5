import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from './files.js';

export type StageName = 'ingest' | 'embed' | 'index' | 'cluster' | 'report';

export interface StageRecord {
  status: 'ran' | 'up to date';
  seconds: number;
  /** Hash of the stage's inputs and options; the same fingerprint means nothing to do. */
  fingerprint?: string;
  parameters: Record<string, unknown>;
}

/** Facts about the corpus and the model, kept at the top of the manifest where a reader looks first. */
export interface ManifestFacts {
  model: { used: string; identity: string; fallbackReason?: string };
  inputs: { path: string; sha256: string; format: string; records: number }[];
  counts: Record<string, number>;
}

export interface Manifest extends Partial<ManifestFacts> {
  papermap: string;
  node: string;
  platform: string;
  updatedAt: string;
  stages: Partial<Record<StageName, StageRecord>>;
}

/** papermap's own version, from the package.json above this file (src/ in tests, dist/src/ when installed). */
export const VERSION: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) return 'unknown';
    dir = dirname(dir);
  }
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
})();

export const manifestPath = (out: string) => join(out, 'manifest.json');

export function readManifest(out: string): Manifest | undefined {
  const path = manifestPath(out);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Manifest) : undefined;
}

/**
 * Records a stage in `<out>/manifest.json`: its status, time, parameters and
 * fingerprint, and any facts it learnt. Timings and dates live only here, so
 * every other artifact stays byte-identical from run to run.
 */
export function recordStage(out: string, name: StageName, record: StageRecord, facts: Partial<ManifestFacts> = {}): void {
  const previous = readManifest(out);
  const manifest: Manifest = {
    papermap: VERSION,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    updatedAt: new Date().toISOString(),
    ...(previous?.model ? { model: previous.model } : {}),
    ...(previous?.inputs ? { inputs: previous.inputs } : {}),
    ...(facts.model ? { model: facts.model } : {}),
    ...(facts.inputs ? { inputs: facts.inputs } : {}),
    counts: { ...previous?.counts, ...facts.counts },
    stages: { ...previous?.stages, [name]: record },
  };
  writeFileAtomic(manifestPath(out), JSON.stringify(manifest, null, 2) + '\n');
}
