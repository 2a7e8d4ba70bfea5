"""Seed 10-NN overlap (issue 8): papermap's exact cosine 10 nearest vs sentence-transformers fp32.

For each paper of a papermap output folder (papers.jsonl + vectors.f32), the exact cosine 10
nearest other papers from papermap's vectors are compared with the exact cosine 10 nearest from
sentence-transformers all-MiniLM-L6-v2 (PyTorch fp32) vectors of the same texts; the overlap of
one paper is |both| / 10. Goal: mean >= 0.9.

    python bench/peers/overlap.py --papermap-dir OUT [--st-vectors st.npy] [--k 10] [--json]

Without --st-vectors the sentence-transformers vectors are computed here (batch size 32).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_st, nearest, normalize, paper_text, read_papers, read_vectors, st_encode  # noqa: E402


def overlap_scores(ours: np.ndarray, reference: np.ndarray, k: int = 10) -> np.ndarray:
    if ours.shape[0] != reference.shape[0]:
        raise ValueError(f"{ours.shape[0]} vs {reference.shape[0]} vectors")
    a = nearest(ours, k)
    b = nearest(reference, k)
    return np.array([len(set(x.tolist()) & set(y.tolist())) / k for x, y in zip(a, b)])


def summary(scores: np.ndarray, ours: np.ndarray, reference: np.ndarray) -> dict:
    cosines = np.sum(normalize(ours.astype(np.float64)) * normalize(reference.astype(np.float64)), axis=1)
    return {
        "papers": int(scores.size),
        "mean": float(scores.mean()),
        "min": float(scores.min()),
        "p10": float(np.percentile(scores, 10)),
        "share_below_0_9": float(np.mean(scores < 0.9)),
        "share_perfect": float(np.mean(scores == 1.0)),
        "mean_cosine_to_st": float(cosines.mean()),
        "min_cosine_to_st": float(cosines.min()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papermap-dir", required=True, type=Path)
    parser.add_argument("--st-vectors", type=Path, help=".npy of sentence-transformers vectors in papers.jsonl order")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    ours = read_vectors(args.papermap_dir)
    meta = json.loads((args.papermap_dir / "vectors.json").read_text())
    if args.st_vectors:
        reference = np.load(args.st_vectors)
    else:
        texts = [paper_text(p) for p in read_papers(args.papermap_dir / "papers.jsonl")]
        reference = st_encode(load_st(), texts, 32)
    result = summary(overlap_scores(ours, reference, args.k), ours, reference)
    result["papermap_model"] = meta.get("model")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['papers']} papers, papermap model {result['papermap_model']}: {args.k}-NN overlap "
            f"mean {result['mean']:.3f}, min {result['min']:.1f} (goal mean >= 0.9); "
            f"cosine to ST mean {result['mean_cosine_to_st']:.4f}"
        )


if __name__ == "__main__":
    main()
