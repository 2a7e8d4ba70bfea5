import { codeSpan, escapeMarkdown } from '../shared/markdown.js';
import type { Recommendations, Result, SelfCheck } from './core.js';

/** How many unmatched entries and unreadable ones the Markdown names; `--json` has them all. */
const NAMED = 10;

const count = (value: number) => value.toLocaleString('en-US');
const percent = (share: number) => `${Math.round(100 * share)}%`;

/** The self-check as one line. */
export function selfCheckLine(check: SelfCheck): string {
  if ('skipped' in check) return `Self-check: skipped; ${check.skipped}.`;
  return `Self-check: of ${check.heldOut} library ${check.heldOut === 1 ? 'entry' : 'entries'} held out (${check.rule}), the ranking would have put ${check.found} in the top ${check.top} of ${count(check.papers)} papers (${percent(check.share)}).`;
}

/** The library as read: format, entries, matches, and the first unmatched and unreadable entries. */
export function libraryLines(recommendations: Recommendations): string[] {
  const { library } = recommendations;
  const used = library.unmatched.filter((entry) => entry.used).length;
  const lines = [
    `Library ${codeSpan(library.file)} (${library.format}): ${count(library.entries)} entries, ${count(library.matched)} matched to papers of the map` +
      (library.unmatched.length > 0 ? `, ${count(library.unmatched.length)} not (${count(used)} of them used through their own title and abstract)` : '') +
      (library.problems.length > 0 ? `; ${count(library.problems.length)} could not be read` : '') +
      '.',
  ];
  const named = (items: readonly string[], total: number) => [
    ...items.slice(0, NAMED),
    ...(total > NAMED ? [`- … and ${count(total - NAMED)} more (all in \`--json\`)`] : []),
  ];
  if (library.unmatched.length > 0) {
    lines.push('', 'Not among the papers:', '');
    lines.push(
      ...named(
        library.unmatched.map((entry) => `- line ${entry.line}: ${escapeMarkdown(entry.name)}${entry.used ? ' (used by its text)' : ''}`),
        library.unmatched.length,
      ),
    );
  }
  if (library.problems.length > 0) {
    lines.push('', 'Could not be read:', '');
    lines.push(
      ...named(
        library.problems.map((problem) => `- line ${problem.line}: ${escapeMarkdown(problem.message)}`),
        library.problems.length,
      ),
    );
  }
  return lines;
}

function resultLines(result: Result, rank: number): string[] {
  const topic = result.topic ? `topic ${result.topic.id}: ${escapeMarkdown(result.topic.label)}` : 'no topic';
  const because = result.because.map((reason) => `${escapeMarkdown(reason.title)} (${reason.similarity.toFixed(2)})`).join('; ');
  return [
    `${rank}. **${escapeMarkdown(result.title)}** ${codeSpan(result.id)} · score ${result.score.toFixed(3)} · ${topic}${result.new ? ' · new' : ''}`,
    `   because of: ${because}`,
  ];
}

/** The ranked list, each paper with its reasons, or why there is none. */
export function resultList(recommendations: Recommendations): string[] {
  const scope = recommendations.scope === 'new' ? 'papers added in the last run' : 'papers';
  if (recommendations.results.length === 0)
    return [
      recommendations.candidates === 0
        ? `No ${scope} outside the library to recommend${recommendations.scope === 'new' ? ' (`--all` ranks every paper)' : ''}.`
        : 'Nothing to recommend.',
    ];
  return [
    `The ${recommendations.results.length} best of ${count(recommendations.candidates)} ${scope} not in the library (scoring: ${recommendations.scoring}):`,
    '',
    ...recommendations.results.flatMap((result, index) => resultLines(result, index + 1)),
  ];
}

/** recommendations.md. */
export function recommendationsMarkdown(recommendations: Recommendations): string {
  return [
    '# Recommended for your library',
    '',
    ...resultList(recommendations),
    '',
    selfCheckLine(recommendations.selfCheck),
    '',
    '## The library',
    '',
    ...libraryLines(recommendations),
    '',
  ].join('\n');
}

/** "For your library", a section of the nightly report.md. */
export function librarySection(recommendations: Recommendations): string[] {
  return ['## For your library', '', ...resultList(recommendations), '', selfCheckLine(recommendations.selfCheck), '', ...libraryLines(recommendations), ''];
}
