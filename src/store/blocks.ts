import type { VectorBlocks } from '../shared/vectors.js';
import type { StageName, VectorsInfo } from './schemas.js';
import type { Store } from './store.js';

/**
 * The store's vectors as VectorBlocks: every pass over them reads them again
 * a block at a time, checked as every vector reader checks them, and refuses
 * vectors other than those the stage began with.
 */
export function storeVectors(store: Store, info: VectorsInfo, stage: StageName): VectorBlocks {
  const same = (read: VectorsInfo) => {
    if (read.vectorsHash !== info.vectorsHash) throw store.damaged('vectors', `changed while the ${stage} stage read it`);
  };
  return {
    count: info.count,
    dim: info.dim,
    forEachBlock: (onBlock) => same(store.readVectorBlocks(onBlock)),
    rows: (rows) => {
      if (rows.length === 0) return new Float32Array(0);
      const read = store.readVectorRows(rows);
      same(read.info);
      return read.vectors;
    },
  };
}
