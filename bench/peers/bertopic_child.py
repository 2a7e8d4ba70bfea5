"""BERTopic with its defaults on given vectors, in its own process (so its peak RSS is its own).

UMAP is BERTopic's default UMAP (n_neighbors=15, n_components=5, min_dist=0.0, metric=cosine,
low_memory=False) with random_state fixed for reproducibility (umap-learn then runs single-threaded);
HDBSCAN, CountVectorizer and c-TF-IDF are BERTopic's defaults.

    python bertopic_child.py --papers papers.jsonl --vectors vectors.f32 --out result.json [--seed 42]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

start = time.perf_counter()
import numpy as np  # noqa: E402
from bertopic import BERTopic  # noqa: E402
from umap import UMAP  # noqa: E402

from common import paper_text, read_papers, read_vectors  # noqa: E402

imported = time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True, type=Path, help="papermap output folder with vectors")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    papers = read_papers(args.dir / "papers.jsonl")
    texts = [paper_text(p) for p in papers]
    vectors = read_vectors(args.dir).astype(np.float32)
    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False,
                      random_state=args.seed)
    t0 = time.perf_counter()
    model = BERTopic(umap_model=umap_model)
    topics, _ = model.fit_transform(texts, embeddings=vectors)
    fit = time.perf_counter() - t0
    args.out.write_text(json.dumps({
        "ids": [p["id"] for p in papers],
        "topics": [int(t) for t in topics],
        "fit_seconds": fit,
        "import_seconds": imported,
    }))


if __name__ == "__main__":
    main()
