import { stemmer } from 'stemmer';

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

/** The terms of a text: its words and its phrases of two and three words, stop words left out, in original case. */
export function termsOf(text: string): string[] {
  const terms: string[] = [];
  for (const segment of text.split(SEGMENT_BREAK)) {
    let previous: string | undefined;
    let beforeThat: string | undefined;
    for (const [word] of segment.matchAll(WORD)) {
      if (word.length < 2 || STOP_WORDS.has(word.toLowerCase())) {
        previous = beforeThat = undefined;
        continue;
      }
      terms.push(word);
      if (previous) terms.push(`${previous} ${word}`);
      if (beforeThat) terms.push(`${beforeThat} ${previous} ${word}`);
      beforeThat = previous;
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
  // Terms become integer ids once, and are counted by sorting id arrays: far cheaper than a map update per occurrence.
  const idOf = new Map<string, number>();
  const keys: string[] = [];
  const perTopic: { all: Int32Array[]; distinct: Int32Array[] }[] = Array.from({ length: k }, () => ({ all: [], distinct: [] }));
  const idsPerPaper: Int32Array[] = [];
  const distinctPerPaper: Int32Array[] = [];
  const sizes = new Int32Array(k);
  terms.forEach((paperTerms, row) => {
    const ids = Int32Array.from(paperTerms, (term) => {
      const key = term.toLowerCase();
      let id = idOf.get(key);
      if (id === undefined) idOf.set(key, (id = keys.push(key) - 1));
      return id;
    });
    const distinct = Int32Array.from(new Set(ids));
    idsPerPaper.push(ids);
    distinctPerPaper.push(distinct);
    const topic = assignments[row];
    if (topic < 0) return;
    sizes[topic]++;
    perTopic[topic].all.push(ids);
    perTopic[topic].distinct.push(distinct);
  });
  const documentFrequency = new Int32Array(keys.length);
  for (const distinct of distinctPerPaper) for (const id of distinct) documentFrequency[id]++;
  const counted = (arrays: Int32Array[]) => {
    const all = new Int32Array(arrays.reduce((sum, array) => sum + array.length, 0));
    let offset = 0;
    for (const array of arrays) {
      all.set(array, offset);
      offset += array.length;
    }
    all.sort();
    const counts = new Map<number, number>();
    for (let i = 0; i < all.length; ) {
      let j = i;
      while (j < all.length && all[j] === all[i]) j++;
      counts.set(all[i], j - i);
      i = j;
    }
    return counts;
  };
  const counts = perTopic.map((topic) => counted(topic.all));
  const papersWith = perTopic.map((topic) => counted(topic.distinct));

  const chosen = counts.map((topicCounts, topic) => {
    const total = [...topicCounts.values()].reduce((sum, count) => sum + count, 0);
    const minPapers = sizes[topic] > 1 ? 2 : 1;
    return (
      [...topicCounts.entries()]
        .filter(([id]) => (papersWith[topic].get(id) ?? 0) >= minPapers)
        .map(([id, count]) => ({ key: keys[id], weight: (count / total) * Math.log(terms.length / documentFrequency[id]) }))
        .sort((a, b) => b.weight - a.weight || (a.key < b.key ? -1 : 1))
        .slice(0, top * 3)
        // one keyword per stem sequence: "agents" and "agent" would say the same thing twice
        .filter(
          (
            (seen) =>
            ({ key }) => {
              const stems = stemsOf(key).join(' ');
              return !seen.has(stems) && !!seen.add(stems);
            }
          )(new Set<string>()),
        )
        .slice(0, top)
    );
  });

  // Written forms are counted for the chosen keywords only, in a second pass: a small fraction of the work of counting them all.
  const wanted = new Set(chosen.flat().map(({ key }) => idOf.get(key)!));
  const forms = new Map<string, Map<string, number>>();
  terms.forEach((paperTerms, row) => {
    idsPerPaper[row].forEach((id, position) => {
      if (!wanted.has(id)) return;
      const written = forms.get(keys[id]) ?? new Map<string, number>();
      written.set(paperTerms[position], (written.get(paperTerms[position]) ?? 0) + 1);
      forms.set(keys[id], written);
    });
  });
  const shown = (key: string) => [...forms.get(key)!.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  return chosen.map((keywords) => keywords.map(({ key, weight }) => ({ term: shown(key), weight: Math.round(weight * 1e6) / 1e6 })));
}

/** A term's words, lower-cased and stemmed (Porter), hyphens splitting words too: "Agents" and "agent" are one stem, "tree-search" and "tree search" the same two. */
export function stemsOf(term: string): string[] {
  return term
    .toLowerCase()
    .split(/[\s-]+/)
    .filter(Boolean)
    .map((word) => stemmer(word));
}

/** Top keywords of each topic a label may draw on; the label takes up to LABEL_TERMS of them. */
export const LABEL_CANDIDATES = 10;
export const LABEL_TERMS = 3;

/**
 * A word stem is common when it is among the top LABEL_CANDIDATES keywords (on
 * its own or inside a phrase) of more than a quarter of the topics, and of at
 * least 2: it names what the corpus is about, not what sets a topic apart
 * ("reasoning" in 7 of 20 topics of an LLM corpus, "patients" in both broad
 * topics of a medical one).
 */
export function commonStems(keywords: readonly (readonly Keyword[])[]): Set<string> {
  const topicsWith = new Map<string, number>();
  for (const list of keywords) {
    const stems = new Set(list.slice(0, LABEL_CANDIDATES).flatMap(({ term }) => stemsOf(term)));
    for (const stem of stems) topicsWith.set(stem, (topicsWith.get(stem) ?? 0) + 1);
  }
  const limit = Math.max(1, keywords.length / 4);
  return new Set([...topicsWith].filter(([, count]) => count > limit).map(([stem]) => stem));
}

/**
 * A short topic label: up to three top keywords that share no word stem. A
 * phrase that repeats only single keywords already picked takes the place of
 * the first of them ("speculative" becomes "speculative decoding"): a phrase
 * is as distinctive as its words when it ranks among the candidates at all.
 * Words in `common` are passed over (a phrase only when all its words are
 * common) unless nothing else is left.
 */
export function topicLabel(keywords: readonly Keyword[], common: ReadonlySet<string> = new Set(), size = LABEL_TERMS): string {
  return labelTerms(keywords, common, size).join(', ');
}

function labelTerms(keywords: readonly Keyword[], common: ReadonlySet<string>, size: number): string[] {
  const candidates = keywords.filter(({ term }) => !stemsOf(term).every((stem) => common.has(stem)));
  const pool = candidates.length > 0 ? candidates : keywords;
  const picked: { term: string; stems: string[] }[] = [];
  for (const { term } of pool) {
    const stems = stemsOf(term);
    const overlapping = picked.flatMap((other, index) => (other.stems.some((stem) => stems.includes(stem)) ? [index] : []));
    if (overlapping.length === 0) {
      picked.push({ term, stems });
    } else if (stems.length > 1 && new Set(stems).size === stems.length && overlapping.every((index) => picked[index].stems.length === 1)) {
      picked[overlapping[0]] = { term, stems };
      for (const index of overlapping.slice(1).reverse()) picked.splice(index, 1);
    }
  }
  return picked.slice(0, size).map(({ term }) => term);
}

/**
 * Labels for a set of topics (or of broad topics), one each and no two the
 * same: common stems are passed over, and topics whose labels come out equal
 * (compared by stems, without case) take one more of their keywords each
 * until they differ; as a last resort the topic's number is added.
 */
export function topicLabels(keywords: readonly (readonly Keyword[])[]): string[] {
  const common = commonStems(keywords);
  const size = keywords.map(() => LABEL_TERMS);
  const labelOf = (topic: number) => labelTerms(keywords[topic].slice(0, Math.max(LABEL_CANDIDATES, size[topic] + 2)), common, size[topic]);
  const labels = keywords.map((_, topic) => labelOf(topic));
  const keyOf = (terms: readonly string[]) => terms.flatMap(stemsOf).sort().join(' ');
  for (let round = 0; round < 4; round++) {
    const groups = new Map<string, number[]>();
    labels.forEach((terms, topic) => groups.set(keyOf(terms), [...(groups.get(keyOf(terms)) ?? []), topic]));
    const clashing = [...groups.values()].filter((topics) => topics.length > 1).flat();
    if (clashing.length === 0) break;
    for (const topic of clashing) {
      size[topic]++;
      labels[topic] = labelOf(topic);
    }
  }
  const seen = new Set<string>();
  return labels.map((terms, topic) => {
    let label = terms.join(', ') || `topic ${topic}`;
    if (seen.has(label.toLowerCase())) label = `${label} (${topic})`;
    seen.add(label.toLowerCase());
    return label;
  });
}
