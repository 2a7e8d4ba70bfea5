/** What the served page's library panel says of a ranking, without a browser (the panel itself: test/serve/browser.test.ts). */
import { describe, expect, test } from 'vitest';
import { libraryView, type LibraryAnswer } from '../../../src/report/map/library.js';

function answer(change: Partial<LibraryAnswer> = {}): LibraryAnswer {
  return {
    library: {
      format: 'BibTeX',
      entries: 6,
      matched: 5,
      unmatched: [{ line: 31, name: 'Crop Rotation in Medieval Northern Europe', used: false }],
      problems: [],
    },
    scope: 'all',
    candidates: 403,
    scoring: 'mean of the best three',
    selfCheck: { heldOut: 1, found: 1, share: 1, top: 2, papers: 404, rule: 'most recently added' },
    results: [
      {
        id: 'p9',
        row: 9,
        title: 'Draft & verify: <b>faster</b> decoding',
        score: 0.61234,
        topic: { id: 3, label: 'decoding, speculative' },
        new: true,
        because: [
          { id: 'p1', row: 1, title: 'Speculative decoding', similarity: 0.8123 },
          { id: null, row: null, title: 'A paper known by its own text', similarity: 0.5 },
        ],
      },
      { id: 'p4', row: 4, title: 'An outlier', score: 0.4, topic: null, new: false, because: [{ id: 'p2', row: 2, title: 'Medusa', similarity: 0.45 }] },
    ],
    ...change,
  };
}

describe('the library panel', () => {
  test('each result: rank, row, title as given, score, topic and whether new tonight, and its reasons with their similarity', () => {
    const view = libraryView(answer(), 'mine.bib');
    expect(view.heading).toBe('The 2 best of 403 papers not in your library (scoring: mean of the best three):');
    expect(view.results).toEqual([
      {
        rank: 1,
        row: 9,
        title: 'Draft & verify: <b>faster</b> decoding',
        score: '0.612',
        facts: 'topic 3: decoding, speculative · new tonight',
        because: [
          { row: 1, title: 'Speculative decoding', similarity: '0.81' },
          { row: null, title: 'A paper known by its own text', similarity: '0.50' },
        ],
      },
      { rank: 2, row: 4, title: 'An outlier', score: '0.400', facts: 'no topic', because: [{ row: 2, title: 'Medusa', similarity: '0.45' }] },
    ]);
  });

  test('the library summary, the unmatched and unreadable entries by line, and the self-check line', () => {
    const view = libraryView(
      answer({
        library: {
          format: 'BibTeX',
          entries: 7,
          matched: 5,
          unmatched: [
            { line: 31, name: 'Crop Rotation', used: false },
            { line: 40, name: 'A preprint with an abstract', used: true },
          ],
          problems: [{ line: 52, message: 'an entry without a closing brace' }],
        },
      }),
      'mine.bib',
    );
    expect(view.summary).toBe(
      'mine.bib (BibTeX): 7 entries, 5 matched to papers of the map, 2 not (1 of them used through their own text); 1 could not be read.',
    );
    expect(view.notes).toEqual([
      'line 31: Crop Rotation (not among the papers)',
      'line 40: A preprint with an abstract (used through its own text)',
      'line 52: an entry without a closing brace',
    ]);
    expect(view.check).toBe('Self-check: of 1 library entry held out (most recently added), the ranking would have put 1 in the top 2 of 404 papers (100%).');
    const one = libraryView(answer({ library: { format: 'list', entries: 1, matched: 1, unmatched: [], problems: [] } }), 'Pasted library');
    expect(one.summary).toBe('Pasted library (list): 1 entry, 1 matched to papers of the map.');
    expect(one.notes).toEqual([]);
  });

  test('a long list of unmatched entries is cut, saying how many more', () => {
    const unmatched = Array.from({ length: 120 }, (_, index) => ({ line: index + 1, name: `Entry ${index}`, used: false }));
    const view = libraryView(answer({ library: { format: 'list', entries: 125, matched: 5, unmatched, problems: [] } }), 'ids.txt');
    expect(view.notes).toHaveLength(51);
    expect(view.notes.at(-1)).toBe('… and 70 more');
  });

  test('no result: why, and what to do when only the new papers were ranked', () => {
    expect(libraryView(answer({ scope: 'new', candidates: 0, results: [] }), 'mine.bib').heading).toBe(
      'No papers added in the last run outside your library to recommend: choose all papers to rank every paper.',
    );
    expect(libraryView(answer({ scope: 'all', candidates: 0, results: [] }), 'mine.bib').heading).toBe('No papers outside your library to recommend.');
    expect(libraryView(answer({ scope: 'new', candidates: 1, results: answer().results.slice(0, 1) }), 'mine.bib').heading).toBe(
      'The 1 best of 1 paper added in the last run not in your library (scoring: mean of the best three):',
    );
  });
});
