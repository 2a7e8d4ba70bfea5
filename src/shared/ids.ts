/**
 * Where each id is in `ids`: at `guess` when it is there (most nights only
 * add papers after the last run's, in the same order, so a paper is where it
 * was), else through a map of every id, made the first time it is needed.
 */
export function idFinder(ids: readonly string[]): (id: string, guess: number) => number | undefined {
  let byId: Map<string, number> | undefined;
  return (id, guess) => (ids[guess] === id ? guess : (byId ??= new Map(ids.map((other, index) => [other, index]))).get(id));
}
