import { loadQueryEmbedder, type QueryEmbedder } from '../embed/index.js';
import { PaperSearch } from '../index/index.js';
import { answerQueries, unknownId, type SimilarAnswer } from '../index/similar.js';
import { UserError } from '../shared/errors.js';
import type { OutputFolder } from '../store/folder.js';

/**
 * Answers queries from an output folder's index, loading the model only when
 * a query is free text. An id that is not in the index is refused before
 * anything is searched; `where` names the place of a query in the refusal.
 */
export async function answerInFolder(
  folder: OutputFolder,
  queries: readonly string[],
  top: number,
  where: (position: number) => string = () => '',
  /** The model folder for free text (`similar --model PATH`); otherwise the one the vectors record. */
  model?: string,
): Promise<SimilarAnswer[]> {
  const { search, papers, vectorsInfo } = PaperSearch.open(folder);
  const ids = new Set(papers.map((paper) => paper.id));
  queries.forEach((query, position) => {
    const problem = unknownId(query, ids);
    if (problem) throw new UserError(`${where(position)}${problem}`);
  });
  let embedder: QueryEmbedder | undefined;
  try {
    return await answerQueries(queries, top, search, papers, async (texts) => {
      embedder = await loadQueryEmbedder(folder, vectorsInfo, model);
      return embedder.embed(texts);
    });
  } finally {
    await embedder?.dispose();
  }
}
