import { linkCount, relatedOf } from '../graph/related.js';
import { codeSpan as code, escapeMarkdown } from '../shared/markdown.js';
import { libraryMarkdown } from './library.js';
import { paperLink, readableDate } from '../shared/links.js';
import type { ShownPaper } from '../store/read.js';
import { rowsById, thousands, weakNeighbours, type ReportData } from './model.js';
import type { Topic } from '../store/schemas.js';
import { NEWS_SHOWN, whatsNew, type News, type Piece } from './news.js';
import { nightsNews, overTimeMarkdown, sparkline } from './timeline.js';

export { escapeMarkdown };

const RELATED_SHOWN = 3;
/**
 * Papers listed per topic, and outliers listed: a topic's first papers are
 * its most central, and at a million papers listing all of them would make
 * a file of hundreds of megabytes that nobody reads.
 */
export const PAPERS_SHOWN = 20;

/** The papers report.md lists (each topic's most central `shown` and representatives, the first `shown` outliers), by id. */
export function listedIds(data: Pick<ReportData, 'clusters'>, shown = PAPERS_SHOWN): string[] {
  const { clusters } = data;
  return [
    ...new Set([
      ...clusters.topics.flatMap((topic) => [...topic.representatives, ...topic.paperIds.slice(0, shown)]),
      ...clusters.outliers.slice(0, shown).map((outlier) => outlier.id),
    ]),
  ];
}

/**
 * A listed paper's title, linked to where it can be read when that is known
 * (its address, DOI or arXiv page, as an angle-bracket destination: the
 * address has no spaces or angle brackets, URL escaped them), then its date.
 */
function linkedTitle(title: string, paper: ShownPaper | undefined): string {
  const link = paper && paperLink(paper);
  const text = link === undefined ? title : `[${title}](<${link}>)`;
  return paper?.date === undefined ? text : `${text} (${readableDate(paper.date)})`;
}

const more = (count: number, one: string, many: string) => `${thousands(count)} more ${count === 1 ? one : many}`;

/** "What's new" as a section of report.md; topics link to their sections below. */
function newsMarkdown(news: News): string[] {
  const line = (pieces: Piece[]) =>
    pieces
      .map((piece) =>
        typeof piece === 'string'
          ? escapeMarkdown(piece)
          : 'counts' in piece
            ? code(sparkline(piece.counts))
            : 'paper' in piece
              ? piece.lead
                ? `**${escapeMarkdown(piece.title)}**`
                : escapeMarkdown(piece.title)
              : `[${piece.topic}: ${escapeMarkdown(piece.label)}](#topic-${piece.topic})`,
      )
      .join('');
  const lines = ["## What's new", '', escapeMarkdown(news.summary), ''];
  for (const list of news.lists) {
    lines.push(`### ${escapeMarkdown(list.heading)}`, '', ...list.items.map((item) => `- ${line(item)}`));
    if (list.more) lines.push(`- ${escapeMarkdown(list.more)}`);
    lines.push('');
  }
  if (news.topics.length > 0) lines.push('### Topics', '', ...news.topics.map((item) => `- ${line(item)}`), '');
  return lines;
}

/**
 * report.md: what is new since the previous run, the corpus on one page, then
 * every topic with its most central papers (at most `shown`) and their
 * closest relatives.
 */
export function toMarkdown(data: ReportData, shown = PAPERS_SHOWN): string {
  const { papers, clusters, vectors, index } = data;
  const rowOf = rowsById(papers);
  const title = (id: string) => escapeMarkdown(papers[rowOf.get(id)!].title);
  const listed = listedIds(data, shown);
  const shownPapers = data.shownOf(listed.map((id) => rowOf.get(id)!));
  const shownOf = new Map(listed.map((id, index) => [id, shownPapers[index]]));
  const linked = (id: string) => linkedTitle(title(id), shownOf.get(id));
  const topicById = new Map(clusters.topics.map((topic) => [topic.id, topic]));
  const broadById = new Map(clusters.broadTopics.map((broad) => [broad.id, broad]));
  const nameOf = (topic: { name?: string; label: string }) => escapeMarkdown(topic.name ?? topic.label);
  const topicLink = (id: number) => `[${id}: ${nameOf(topicById.get(id)!)}](#topic-${id})`;
  const edges = linkCount(data.related);
  const lines: string[] = [];
  /**
   * A paper with its closest related papers; a paper with fewer than
   * RELATED_SHOWN above the floor also gets its nearest below it, marked weak.
   */
  const paperLine = (id: string, after = ''): string => {
    const row = rowOf.get(id)!;
    const related = relatedOf(data.related, row).slice(0, RELATED_SHOWN);
    const weak = weakNeighbours(data, row).slice(0, RELATED_SHOWN - related.length);
    const relatives = [
      ...related.map((neighbour) => `${escapeMarkdown(papers[neighbour.row].title)} (${neighbour.score.toFixed(2)})`),
      ...weak.map((neighbour) => `${escapeMarkdown(papers[neighbour.row].title)} (${neighbour.score.toFixed(2)}, weak)`),
    ];
    const label = related.length === 0 ? 'nearest (all below the similarity floor)' : 'related';
    return `- **${linked(id)}** ${code(id)}${after}${relatives.length > 0 ? `  \n  ${label}: ${relatives.join('; ')}` : ''}`;
  };

  lines.push(`# Paper map: ${papers.length} papers in ${clusters.broadTopics.length} broad topics and ${clusters.topics.length} topics`, '');
  lines.push(`Made by papermap ${data.version} with the **${escapeMarkdown(vectors.model)}** embedder (${vectors.dim} dimensions).`);
  if (vectors.fallbackReason) {
    lines.push(
      '',
      `> **Note:** the shipped all-MiniLM-L6-v2 could not be used (${escapeMarkdown(vectors.fallbackReason)}), so the builtin embedder (LSA over TF-IDF) was used. Topics and neighbours are less semantic than with MiniLM.`,
    );
  }
  lines.push('');
  lines.push('| Papers | Broad topics | Topics | Weak topics | Outliers | Related-paper links | Similarity floor |', '|---:|---:|---:|---:|---:|---:|---:|');
  lines.push(
    `| ${papers.length} | ${clusters.broadTopics.length} | ${clusters.topics.length} | ${clusters.quality.weakTopics} | ${clusters.outliers.length} | ${edges} | ${index.graph.minSimilarity}${index.graph.nearestMinSimilarity !== undefined && index.graph.nearestMinSimilarity < index.graph.minSimilarity ? ` (a paper's nearest: ${index.graph.nearestMinSimilarity})` : ''} |`,
    '',
  );
  const news = whatsNew(data.changes, clusters.topics);
  news.lists.unshift(...nightsNews(clusters, clusters.topics, NEWS_SHOWN));
  lines.push(...newsMarkdown(news));
  if (data.library) lines.push(...libraryMarkdown(data.library));
  lines.push('## How the map was made', '');

  if ('searched' in clusters.kSelection) {
    lines.push(`**How the topics were chosen:** ${clusters.kSelection.criterion}.`);
    lines.push(
      '',
      `<details><summary>Stability of every number of topics tried</summary>`,
      '',
      '| k | agreement across subsamples (mean ARI) |',
      '|---:|---:|',
    );
    for (const score of clusters.kScores) lines.push(`| ${score.k} | ${score.stability.toFixed(3)} |`);
    lines.push('', '</details>');
  } else {
    lines.push(`**k = ${clusters.k}**, given with \`--k\`; ${clusters.kSelection.broadCriterion ?? ''}.`);
  }
  const { quality } = clusters;
  lines.push(
    '',
    `**Quality:** coherence (NPMI of the top 10 c-TF-IDF terms over these papers) ${quality.coherence.topics.toFixed(3)} for the topics, ${quality.coherence.broadTopics.toFixed(3)} for the broad ones; ` +
      `label diversity ${quality.labelDiversity.topics.toFixed(3)}; stability across seeds ${quality.stability.seeds.join(' and ')}: ARI ${quality.stability.meanAri.toFixed(3)}. ` +
      `A topic is _weak_ when its ${quality.weakRule}: ${quality.weakTopics} of ${clusters.topics.length}.`,
  );
  lines.push(
    '',
    `Clustering: ${clusters.method}, seed ${clusters.seed}. Related papers: up to ${index.graph.neighbours} nearest neighbours with cosine similarity of at least ${index.graph.minSimilarity} (${index.graph.minSimilarityRule}).` +
      (data.nearest ? ` A paper with fewer than ${RELATED_SHOWN} related papers also lists its nearest papers below the floor, marked _weak_.` : ''),
    '',
  );

  lines.push('## Topics', '');
  if (clusters.kSelection.summary) lines.push(escapeMarkdown(clusters.kSelection.summary), '');
  lines.push('| # | Topic | Papers | Cohesion | Coherence | Stability | Nearest topic |', '|---:|---|---:|---:|---:|---:|---|');
  const topicRow = (topic: Topic) => {
    const nearest = topic.nearestTopic ? `${topicLink(topic.nearestTopic.id)} (${topic.nearestTopic.similarity.toFixed(2)})` : '';
    return `| ${topic.id} | ${topicLink(topic.id)}${topic.weak ? ' _(weak)_' : ''} | ${topic.size} | ${topic.cohesion.toFixed(3)} | ${topic.coherence.toFixed(3)} | ${topic.stability.toFixed(3)} | ${nearest} |`;
  };
  for (const broad of clusters.broadTopics) {
    lines.push(`| | **${nameOf(broad)}** | **${broad.size}** | | ${broad.coherence.toFixed(3)} | | |`);
    const fine = broad.topicIds.map((id) => topicById.get(id)!);
    const middles = (clusters.middleTopics ?? []).filter((middle) => middle.parent === broad.id);
    for (const middle of middles) {
      lines.push(`| | _${nameOf(middle)}_ | _${middle.size}_ | | ${middle.coherence.toFixed(3)} | | |`);
      for (const topic of fine.filter((topic) => topic.middle === middle.id)) lines.push(topicRow(topic));
    }
    for (const topic of fine.filter((topic) => middles.length === 0 || topic.middle === undefined)) lines.push(topicRow(topic));
  }
  lines.push('');

  lines.push(...overTimeMarkdown(clusters, topicLink, code));

  for (const topic of clusters.topics) {
    lines.push(`<a id="topic-${topic.id}"></a>`, '', `## Topic ${topic.id}: ${nameOf(topic)}`, '');
    if (topic.description) lines.push(`_${escapeMarkdown(topic.description)}_`, '');
    lines.push(
      `Part of **${nameOf(broadById.get(topic.parent)!)}**${topic.name ? ` · label: ${escapeMarkdown(topic.label)}` : ''}${topic.weak ? ' · _weak topic_' : ''} · coherence ${topic.coherence.toFixed(3)} · stability ${topic.stability.toFixed(3)}`,
      '',
    );
    lines.push(`**Keywords:** ${topic.keywords.map(escapeMarkdown).join(', ')}`, '');
    const nearest = topic.nearestTopic ? ` · nearest topic ${topicLink(topic.nearestTopic.id)} (similarity ${topic.nearestTopic.similarity.toFixed(2)})` : '';
    lines.push(`${topic.size} papers · cohesion ${topic.cohesion.toFixed(3)}${nearest}`, '');
    lines.push('**Representative papers** (closest to the topic centre):', '');
    topic.representatives.forEach((id, rank) => lines.push(`${rank + 1}. ${linked(id)}`));
    const members = topic.paperIds.slice(0, shown);
    const which =
      members.length < topic.paperIds.length ? `The ${members.length} most central of its ${thousands(topic.paperIds.length)} papers` : 'All papers';
    lines.push('', `<details><summary>${which}, with their closest related papers</summary>`, '');
    for (const id of members) lines.push(paperLine(id));
    if (members.length < topic.paperIds.length)
      lines.push(
        `- … and ${more(topic.paperIds.length - members.length, 'paper', 'papers')} in this topic (every paper and its related papers are in related.json)`,
      );
    lines.push('', '</details>', '');
  }

  lines.push('## Outliers', '', `Papers far from every topic centre, listed apart so they do not blur a topic: ${escapeMarkdown(clusters.outlierRule)}.`, '');
  if (clusters.outliers.length === 0) lines.push('None.');
  for (const outlier of clusters.outliers.slice(0, shown)) {
    lines.push(paperLine(outlier.id, `: nearest topic ${topicLink(outlier.nearestTopic)} (similarity ${outlier.similarity.toFixed(2)})`));
  }
  if (clusters.outliers.length > shown)
    lines.push(
      `- … and ${more(clusters.outliers.length - shown, 'outlier', 'outliers')}, after these first ${shown} in corpus order (every paper and its related papers are in related.json)`,
    );
  lines.push('');
  return lines.join('\n');
}
