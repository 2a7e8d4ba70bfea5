import { defineStage } from '../pipeline/stage.js';
import { checkNamesFile, readTeamNames } from '../store/names.js';
import { VERSION } from '../shared/version.js';
import { report } from './index.js';

export const reportStage = defineStage({
  name: 'report',
  description: "write report.md, report.html, graph.graphml (the related-paper graph with each paper's topic), changes.json and map.json",
  reads: ['papers', 'vectors', 'vectorsInfo', 'indexInfo', 'neighbours', 'clusters'],
  options: {},
  // topics.yaml is the team's: the reports show its names
  checkFolder: (folder) => checkNamesFile(folder),
  prepare: (folder) => ({ fingerprint: { names: readTeamNames(folder.location)?.hash ?? null }, plan: undefined }),
  run: (writer) => report(writer, { version: VERSION }),
  describe: (summary) => `report: ${summary.papers} papers in ${summary.topics} topics -> ${summary.files.join(', ')}`,
});
