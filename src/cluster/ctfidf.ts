/**
 * Topic keywords by class-based TF-IDF: all papers of a topic form one
 * document, and a term weighs its share of that document's terms times its
 * inverse document frequency over the papers, log(papers / papers with the
 * term). Words most papers use ("models" in an LLM corpus) sink, the words that
 * set a topic apart rise. (BERTopic takes the IDF over topics instead; with the
 * ten or twenty topics of a report that lets corpus-wide words name topics.)
 */

/** English function words and the boilerplate of abstracts, which say nothing about a topic. */
const STOP_WORDS = new Set(
  (
    'a about above across after again against all almost along also although always among an and another any are around as at ' +
    'be because been before being below between both but by can cannot could did do does doing done down due during each either ' +
    'else enough etc even ever every few for from further furthermore had has have having here hence how however i if in into is ' +
    'it its itself just least less like made make makes making many may might more moreover most much must neither no nor not now ' +
    'of off often on once one only onto or other others otherwise our ours out over own per perhaps rather same several shall she ' +
    'should since so some such than that the their them themselves then there thereby therefore these they this those though ' +
    'three through thus to together too two under until up upon us use used uses using very via was we well were what when where ' +
    'whereas whether which while who whom whose why will with within without would yet you your ' +
    // abstract boilerplate
    'abstract achieve achieved achieves achieving address addresses al approach approaches available based benchmark benchmarks ' +
    'code com demonstrate demonstrates demonstrated effective effectively efficient et experiment experimental experiments extensive ' +
    'finally find findings first framework github github.io help http https improve improved improves improving introduce ' +
    'introduces key large leverage leverages method methods new novel outperform outperforms paper present presents previous prior ' +
    'propose proposed proposes provide provides recent recently remain remains research result results second show shown shows ' +
    'significant significantly simple state-of-the-art studies study superior task tasks technique techniques various work works ' +
    'www'
  ).split(' '),
);

const SEGMENT_BREAK = /[.,;:!?()[\]{}"“”]+/;
const WORD = /[\p{L}][\p{L}\p{N}]*(?:[-'][\p{L}\p{N}]+)*/gu;

/** The terms of a text: its words and two-word phrases, stop words left out, in original case. */
export function termsOf(text: string): string[] {
  const terms: string[] = [];
  for (const segment of text.split(SEGMENT_BREAK)) {
    let previous: string | undefined;
    for (const [word] of segment.matchAll(WORD)) {
      if (word.length < 2 || STOP_WORDS.has(word.toLowerCase())) {
        previous = undefined;
        continue;
      }
      terms.push(word);
      if (previous) terms.push(`${previous} ${word}`);
      previous = word;
    }
  }
  return terms;
}

export interface Keyword {
  term: string;
  weight: number;
}

/**
 * The top keywords of each topic. `terms[row]` are the terms of a paper;
 * a term must appear in at least two papers of a topic (one for a topic of one
 * paper) so that one paper's jargon does not name a topic. Terms are compared
 * without case and shown in their most frequent written form ("TTS", "LoRA").
 */
export function topicKeywords(terms: readonly string[][], assignments: Int32Array, k: number, top = 10): Keyword[][] {
  const counts = Array.from({ length: k }, () => new Map<string, number>());
  const papersWith = Array.from({ length: k }, () => new Map<string, number>());
  const documentFrequency = new Map<string, number>();
  const forms = new Map<string, Map<string, number>>();
  const sizes = new Int32Array(k);
  terms.forEach((paperTerms, row) => {
    const topic = assignments[row];
    const seen = new Set<string>();
    for (const term of paperTerms) {
      const key = term.toLowerCase();
      const written = forms.get(key) ?? new Map<string, number>();
      written.set(term, (written.get(term) ?? 0) + 1);
      forms.set(key, written);
      if (topic >= 0) counts[topic].set(key, (counts[topic].get(key) ?? 0) + 1);
      seen.add(key);
    }
    for (const key of seen) {
      documentFrequency.set(key, (documentFrequency.get(key) ?? 0) + 1);
      if (topic >= 0) papersWith[topic].set(key, (papersWith[topic].get(key) ?? 0) + 1);
    }
    if (topic >= 0) sizes[topic]++;
  });
  const totals = counts.map((topic) => [...topic.values()].reduce((sum, count) => sum + count, 0));
  const shown = (key: string) => [...forms.get(key)!.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];

  return counts.map((topicCounts, topic) => {
    const minPapers = sizes[topic] > 1 ? 2 : 1;
    return [...topicCounts.entries()]
      .filter(([key]) => (papersWith[topic].get(key) ?? 0) >= minPapers)
      .map(([key, count]) => ({ key, weight: (count / totals[topic]) * Math.log(terms.length / documentFrequency.get(key)!) }))
      .sort((a, b) => b.weight - a.weight || (a.key < b.key ? -1 : 1))
      .slice(0, top)
      .map(({ key, weight }) => ({ term: shown(key), weight: Math.round(weight * 1e6) / 1e6 }));
  });
}

/**
 * A short topic label: up to three top keywords that do not repeat a word.
 * A two-word phrase made of keywords already picked takes their place
 * ("speculative", "decoding" become "speculative decoding").
 */
export function topicLabel(keywords: readonly Keyword[]): string {
  const picked: string[][] = [];
  for (const { term } of keywords) {
    const words = term.split(' ');
    const holders = words.map((word) => picked.findIndex((other) => other.length === 1 && other[0].toLowerCase() === word.toLowerCase()));
    if (words.length === 2 && holders.every((index) => index >= 0) && holders[0] !== holders[1]) {
      picked[Math.min(...holders)] = words;
      picked.splice(Math.max(...holders), 1);
      continue;
    }
    const taken = new Set(picked.flat().map((word) => word.toLowerCase()));
    if (words.some((word) => taken.has(word.toLowerCase()))) continue;
    picked.push(words);
  }
  return picked
    .slice(0, 3)
    .map((words) => words.join(' '))
    .join(', ');
}
