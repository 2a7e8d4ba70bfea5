import { libraryFrom, librarySection, recommend, selfCheckLine, type Recommendations } from '../recommend/index.js';
import { UserError } from '../shared/errors.js';
import { notice } from '../shared/progress.js';
import type { Store } from '../store/store.js';
import type { Clusters, VectorsInfo } from '../store/schemas.js';
import type { Changes } from './changes.js';

/** The library a run was given (`--library`): its path and its text, read when the stage was prepared. */
export interface LibraryFile {
  file: string;
  text: string;
}

/** "For your library" in the nightly report: the ranking, or why there is none. */
export type LibraryReport = { recommendations: Recommendations } | { problem: string };

/** How many papers the nightly report recommends. */
const SHOWN = 20;

/**
 * The papers added in this run ranked for the library, as `papermap
 * recommend` ranks them, but by the entries that are papers of the map only:
 * a stage does not load the model (the embed stage's), so entries that are
 * not papers of the map are not embedded here (`papermap recommend` does).
 */
export async function libraryReport(
  folder: Store,
  library: LibraryFile,
  vectors: Float32Array,
  info: VectorsInfo,
  clusters: Clusters,
  changes: Changes,
): Promise<LibraryReport> {
  try {
    const parsed = libraryFrom(library.text, library.file);
    const { papers } = folder.readPapers();
    const topics = new Map<string, { id: number; label: string }>();
    for (const topic of clusters.topics) for (const id of topic.paperIds) topics.set(id, { id: topic.id, label: topic.label });
    const added = new Set(changes.added.map((paper) => paper.id));
    const isNew = changes.since === null ? () => true : (row: number) => added.has(papers[row].id);
    const corpus = { papers, vectors, dim: info.dim, topicOf: (row: number) => topics.get(papers[row].id) ?? null, isNew };
    return { recommendations: await recommend({ papers, info, corpus }, parsed, library.file, { top: SHOWN, all: false }) };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    notice(`the report's "For your library" section is left empty: ${error.message}`);
    return { problem: error.message };
  }
}

/** The section of report.md. */
export function libraryMarkdown(report: LibraryReport): string[] {
  if ('problem' in report) return ['## For your library', '', `Your library could not be used: ${report.problem}`, ''];
  return librarySection(report.recommendations);
}

/** The section of report.html: the list with its reasons, as text (`asText` is the page's escaping). */
export function libraryHtml(report: LibraryReport, asText: (text: string) => string): string {
  if ('problem' in report)
    return `<section id="library" aria-label="For your library"><p><strong>For your library:</strong> ${asText(report.problem)}</p></section>`;
  const { results } = report.recommendations;
  const items = results.map(
    (result) =>
      `<li><span class="paper lead" data-paper="${asText(result.id)}">${asText(result.title)}</span> · ${result.score.toFixed(3)}${result.topic ? ` · ${asText(result.topic.label)}` : ''} · because of ${result.because.map((reason) => `${asText(reason.title)} (${reason.similarity.toFixed(2)})`).join('; ')}</li>`,
  );
  const heading = results.length > 0 ? `the ${results.length} new papers closest to your library` : 'no new paper to recommend';
  return `<section id="library" aria-label="For your library"><p><strong>For your library:</strong> ${heading}. ${asText(selfCheckLine(report.recommendations.selfCheck))}</p>${items.length > 0 ? `<ol>${items.join('')}</ol>` : ''}</section>`;
}
