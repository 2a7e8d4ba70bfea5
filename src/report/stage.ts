import { existsSync, statSync } from 'node:fs';
import { option } from '../pipeline/options.js';
import { defineStage } from '../pipeline/stage.js';
import { readLibraryText } from '../recommend/index.js';
import { UserError } from '../shared/errors.js';
import { sha256 } from '../shared/files.js';
import { checkNamesFile, readTeamNames } from '../store/names.js';
import { VERSION } from '../shared/version.js';
import { report } from './index.js';
import type { LibraryFile } from './library.js';

export const reportStage = defineStage({
  name: 'report',
  description: "write report.md, report.html, graph.graphml (the related-paper graph with each paper's topic), changes.json and map.json",
  reads: ['papers', 'vectors', 'vectorsInfo', 'indexInfo', 'neighbours', 'clusters'],
  options: {
    library: option<string | undefined>({
      flags: '--library <file>',
      description: 'your library (BibTeX, RIS, CSL-JSON, Zotero CSV, or one id, DOI, arXiv id or title a line): the reports get a "For your library" section',
      default: undefined,
    }),
  },
  // topics.yaml is the team's: the reports show its names
  checkFolder: (folder) => checkNamesFile(folder),
  // a missing library is refused before any stage writes anything
  checkOptions: ({ library }) => {
    if (library !== undefined && (!existsSync(library) || !statSync(library).isFile()))
      throw new UserError(`--library ${library}: no such file; give your library's export`);
  },
  prepare: (folder, { library }): { fingerprint: { names: string | null; library: string | null }; plan: LibraryFile | undefined } => {
    const names = readTeamNames(folder.location)?.hash ?? null;
    if (library === undefined) return { fingerprint: { names, library: null }, plan: undefined };
    // the section depends on the library's content, not its name: another export of it is another report
    const text = readLibraryText(library);
    return { fingerprint: { names, library: sha256(text) }, plan: { file: library, text } };
  },
  run: (writer, _options, library) => report(writer, { version: VERSION, library }),
  describe: (summary) => `report: ${summary.papers} papers in ${summary.topics} topics -> ${summary.files.join(', ')}`,
});
