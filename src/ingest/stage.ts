import { existsSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { option } from '../pipeline/options.js';
import { defineStage } from '../pipeline/stage.js';
import { UserError } from '../shared/errors.js';
import { sha256File } from '../shared/files.js';
import { ingest, listInputFiles } from './index.js';

/** A path with its links resolved, as far as it exists. */
function realPath(path: string): string {
  return existsSync(path) ? realpathSync(path) : resolve(path);
}

export const ingestStage = defineStage({
  name: 'ingest',
  description: 'read paper listings, JSON Lines, JSON arrays and CSV/TSV files into <out>/papers.jsonl',
  reads: [],
  options: {
    inputs: option<string[]>({
      flags: '--input <path...>',
      description: 'input files or folders (listing dumps, JSON Lines, JSON arrays, CSV/TSV)',
      default: ['seeds'],
    }),
    strict: option<boolean>({ flags: '--strict', description: 'fail on the first bad record instead of reporting it and going on', default: false }),
  },
  prepare(store, options) {
    // the output folder, or a folder in it, is never an input; one that holds it does not feed papermap its own files
    const own = realPath(store.location);
    for (const input of options.inputs.filter((path) => existsSync(path))) {
      const real = realpathSync(input);
      if (real === own || real.startsWith(own + sep))
        throw new UserError(
          `--input ${input} is ${real === own ? 'the output folder' : 'inside the output folder'} (--out ${store.location}): give the files or folder of your papers`,
        );
    }
    // listing the inputs also refuses a missing or unreadable one before anything is read
    const files = listInputFiles(options.inputs).filter((file) => !realPath(file).startsWith(own + sep));
    if (files.length === 0) throw new UserError(`no input files in ${options.inputs.join(', ')}`);
    const hashes = files.map((file) => [file, sha256File(file)] as const);
    return { fingerprint: { files: hashes }, plan: { files, hashes: new Map(hashes) } };
  },
  run: (writer, options, plan) => ingest(writer, options, plan.files, plan.hashes),
  facts: (summary, plan) => ({
    inputs: summary.files.map((file) => ({ path: file.path, sha256: plan.hashes.get(file.path)!, format: file.format, records: file.records })),
    counts: {
      inputFiles: summary.files.length,
      records: summary.records,
      papers: summary.papers,
      duplicatesMerged: summary.duplicatesMerged,
      problems: summary.problems.length,
    },
  }),
  describe(summary, folder) {
    const problems = summary.problems.length === 0 ? 'no problems' : `${summary.problems.length} problem(s) reported above`;
    const kept = summary.filesKept > 0 ? `; the first ${summary.filesKept} unchanged since the last run, taken as it left them` : '';
    return `ingest: ${summary.papers} papers from ${summary.records} records in ${summary.files.length} file(s) (${summary.duplicatesMerged} duplicates merged, ${problems}${kept}) -> ${folder.where('papers')}`;
  },
});
