#!/usr/bin/env python3
"""Build the TINY random-weight BERT sentence-transformer used as a test fixture.

Why: the real all-MiniLM-L6-v2 weights cannot be downloaded in development or
CI (no Hugging Face access), but the @xenova/transformers code path (local
model loading, tokenizer, ONNX inference, mean pooling, normalisation) must
still be tested. This script makes a model that is small enough to commit and
is laid out exactly like a Hugging Face "Xenova/..." model folder:

    config.json  tokenizer.json  tokenizer_config.json  special_tokens_map.json
    onnx/model.onnx  (fp32 only; no model_quantized.onnx)
    reference.json   (token ids + torch mean-pooled, L2-normalised vectors)

The weights are RANDOM (seed 0). The vectors it produces MEAN NOTHING; they
only let a test compare transformers.js against torch.

Architecture: the same HF-BertModel-like encoder as
../shared/models/perf/make_random_minilm.py (post-LayerNorm, erf GELU), with
tiny sizes: hidden 32, 2 layers, 4 heads, FFN 64, 512 positions, 2 token types.
Exported with torch.onnx.export (opset 14): inputs input_ids, attention_mask,
token_type_ids (int64 [batch, seq], both axes dynamic), output
last_hidden_state [batch, seq, 32].

Tokenizer: a small WordPiece vocabulary cut from the real all-MiniLM-L6-v2
tokenizer.json (Apache-2.0): the 5 special tokens, every single-character
token, every "##x" single-character continuation token (so every word still
decomposes without [UNK]) and the first N_WHOLE_WORDS ordinary whole-word
tokens, re-numbered 0..V-1 in their original order ([PAD] stays 0).

Needs only Debian's python3-torch and python3-onnx (no onnxruntime). Output is
byte-for-byte deterministic:

    /usr/bin/python3 scripts/make-tiny-bert.py test/fixtures/tiny-bert
"""
import argparse
import copy
import json
import math
import os
import re
import unicodedata

import onnx
import torch
from torch import nn

HIDDEN, LAYERS, HEADS, FFN, MAXPOS, TYPES, EPS = 32, 2, 4, 64, 512, 2, 1e-12
N_WHOLE_WORDS = 2000
SEED = 0
# Init std. Much larger than BERT's 0.02 so that the embedding of a text
# depends clearly on its words and the attention layers change the result
# (a padding/mask bug must show up in the vectors).
STD_WORD, STD_POS, STD_TYPE, STD_BIAS, STD_LN = 1.0, 0.3, 0.3, 0.02, 0.02

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
UNUSED = re.compile(r"^\[unused\d+\]$")
DEFAULT_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                              "models", "perf", "minilm-l6-random", "tokenizer.json")
REFERENCE_TEXTS = [
    "Hello, world!",
    "Graph Neural Networks for Protein Folding: a Survey.",
    "Café résumé, naïve k-means (3D) über alles.",
]


# ------------------------------------------------------------- tokenizer ---
def build_vocab(src_vocab):
    """Tokens to keep, in original id order."""
    keep = []
    n_whole = 0
    for tok, _ in sorted(src_vocab.items(), key=lambda kv: kv[1]):
        if tok in SPECIAL or len(tok) == 1 or (tok.startswith("##") and len(tok) == 3):
            keep.append(tok)
        elif UNUSED.match(tok) or tok.startswith("##"):
            continue
        elif n_whole < N_WHOLE_WORDS:
            keep.append(tok)
            n_whole += 1
    assert keep[0] == "[PAD]" and all(s in keep for s in SPECIAL)
    return keep


def make_tokenizer_json(src, tokens):
    old_id_to_tok = {i: t for t, i in src["model"]["vocab"].items()}
    new_id = {t: i for i, t in enumerate(tokens)}

    def remap(old):
        return new_id[old_id_to_tok[old]]

    out = copy.deepcopy(src)
    out["model"]["vocab"] = {t: i for i, t in enumerate(tokens)}
    for at in out["added_tokens"]:
        at["id"] = new_id[at["content"]]
    out["added_tokens"].sort(key=lambda at: at["id"])
    if out.get("padding"):
        out["padding"]["pad_id"] = new_id[out["padding"]["pad_token"]]
    for st in out["post_processor"]["special_tokens"].values():
        st["ids"] = [remap(i) for i in st["ids"]]
        assert st["ids"] == [new_id[t] for t in st["tokens"]]
    return out


def tokenizer_config():
    return {
        "cls_token": "[CLS]",
        "do_lower_case": True,
        "mask_token": "[MASK]",
        "model_max_length": 512,
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "tokenize_chinese_chars": True,
        "tokenizer_class": "BertTokenizer",
        "unk_token": "[UNK]",
    }


def special_tokens_map():
    return {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]",
            "sep_token": "[SEP]", "unk_token": "[UNK]"}


class WordPiece:
    """Independent re-implementation of the HF BertNormalizer (clean_text,
    chinese chars, lowercase + strip accents), BertPreTokenizer and WordPiece
    model, plus the [CLS] $A [SEP] template."""

    def __init__(self, tokens, max_chars=100):
        self.vocab = {t: i for i, t in enumerate(tokens)}
        self.max_chars = max_chars

    @staticmethod
    def _is_chinese(cp):
        return any(a <= cp <= b for a, b in [
            (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
            (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)])

    @staticmethod
    def _is_punct(ch):
        cp = ord(ch)
        if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
            return True
        return unicodedata.category(ch).startswith("P")

    def normalize(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            cat = unicodedata.category(ch)
            if cp == 0 or cp == 0xFFFD or (cat.startswith("C") and ch not in "\t\n\r"):
                continue
            if ch in " \t\n\r" or cat == "Zs":
                out.append(" ")
            elif self._is_chinese(cp):
                out.append(" " + ch + " ")
            else:
                out.append(ch)
        text = "".join(out)
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        return text.lower()

    def pre_tokenize(self, text):
        words, cur = [], []
        for ch in text:
            if ch.isspace():
                if cur:
                    words.append("".join(cur))
                    cur = []
            elif self._is_punct(ch):
                if cur:
                    words.append("".join(cur))
                    cur = []
                words.append(ch)
            else:
                cur.append(ch)
        if cur:
            words.append("".join(cur))
        return words

    def word_pieces(self, word):
        if len(word) > self.max_chars:
            return ["[UNK]"]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                if sub in self.vocab:
                    found = sub
                    break
                end -= 1
            if found is None:
                return ["[UNK]"]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text):
        toks = ["[CLS]"]
        for w in self.pre_tokenize(self.normalize(text)):
            toks += self.word_pieces(w)
        toks.append("[SEP]")
        return toks, [self.vocab[t] for t in toks]


# ----------------------------------------------------------------- model ---
class Embeddings(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, HIDDEN, padding_idx=0)
        self.position_embeddings = nn.Embedding(MAXPOS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(TYPES, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.register_buffer("position_ids", torch.arange(MAXPOS).unsqueeze(0), persistent=False)

    def forward(self, input_ids, token_type_ids):
        seq = input_ids.size(1)
        pos = self.position_ids[:, :seq]
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(pos)
        return self.LayerNorm(x)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.attn_out = nn.Linear(HIDDEN, HIDDEN)
        self.attn_ln = nn.LayerNorm(HIDDEN, eps=EPS)
        self.intermediate = nn.Linear(HIDDEN, FFN)
        self.output = nn.Linear(FFN, HIDDEN)
        self.out_ln = nn.LayerNorm(HIDDEN, eps=EPS)
        self.head_dim = HIDDEN // HEADS

    def split(self, x):  # [b, s, h] -> [b, heads, s, d]
        b, s = x.size(0), x.size(1)
        return x.view(b, s, HEADS, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + ext_mask
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(ctx.size(0), ctx.size(1), HIDDEN)
        x = self.attn_ln(self.attn_out(ctx) + x)                       # post-LN
        h = nn.functional.gelu(self.intermediate(x))                   # exact (erf) GELU
        return self.out_ln(self.output(h) + x)                         # post-LN


class Bert(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embeddings = Embeddings(vocab)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])

    def forward(self, input_ids, attention_mask, token_type_ids):
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        x = self.embeddings(input_ids, token_type_ids)
        for layer in self.layers:
            x = layer(x, ext)
        return x


def init_weights(model, seed):
    """All parameters random from one seeded generator (see STD_* above).
    Linear weights N(0, 1/fan_in) so every layer matters; LN gamma = 1 + N(0, STD_LN)."""
    g = torch.Generator().manual_seed(seed)

    def rnd(t, std):
        return torch.randn(t.shape, generator=g) * std

    emb = model.embeddings
    with torch.no_grad():
        emb.word_embeddings.weight.copy_(rnd(emb.word_embeddings.weight, STD_WORD))
        emb.word_embeddings.weight[0].zero_()  # padding_idx
        emb.position_embeddings.weight.copy_(rnd(emb.position_embeddings.weight, STD_POS))
        emb.token_type_embeddings.weight.copy_(rnd(emb.token_type_embeddings.weight, STD_TYPE))
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.copy_(rnd(m.weight, 1.0 / math.sqrt(m.in_features)))
                m.bias.copy_(rnd(m.bias, STD_BIAS))
            elif isinstance(m, nn.LayerNorm):
                m.weight.copy_(1.0 + rnd(m.weight, STD_LN))
                m.bias.copy_(rnd(m.bias, STD_BIAS))


def export_fp32(model, path):
    ids = torch.arange(2 * 16, dtype=torch.int64).view(2, 16) + 5
    mask = torch.ones(2, 16, dtype=torch.int64)
    mask[1, 10:] = 0
    tt = torch.zeros(2, 16, dtype=torch.int64)
    axes = {0: "batch_size", 1: "sequence_length"}
    torch.onnx.export(
        model, (ids, mask, tt), path,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                      "last_hidden_state": axes},
        opset_version=14, do_constant_folding=True)
    m = onnx.load(path)
    m.producer_name = "make-tiny-bert.py (random weights, test fixture only)"
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)


def model_config(vocab):
    return {
        "_name_or_path": "papermap/tiny-bert (random weights, test fixture)",
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": FFN,
        "layer_norm_eps": EPS,
        "max_position_embeddings": MAXPOS,
        "model_type": "bert",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "transformers_version": "4.26.1",
        "type_vocab_size": TYPES,
        "use_cache": True,
        "vocab_size": vocab,
    }


def mean_pool_normalize(hidden, mask):
    m = mask.to(torch.float32).unsqueeze(-1)
    v = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return v / v.norm(dim=-1, keepdim=True).clamp(min=1e-12)


# ------------------------------------------------------------------ main ---
def write_json(path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--source-tokenizer", default=DEFAULT_SOURCE,
                    help="real all-MiniLM-L6-v2 tokenizer.json (default: %(default)s)")
    args = ap.parse_args()
    torch.set_num_threads(1)  # same reduction order every run

    with open(args.source_tokenizer, encoding="utf-8") as f:
        src = json.load(f)
    tokens = build_vocab(src["model"]["vocab"])
    vocab = len(tokens)

    os.makedirs(os.path.join(args.out_dir, "onnx"), exist_ok=True)
    write_json(os.path.join(args.out_dir, "tokenizer.json"), make_tokenizer_json(src, tokens))
    write_json(os.path.join(args.out_dir, "tokenizer_config.json"), tokenizer_config())
    write_json(os.path.join(args.out_dir, "special_tokens_map.json"), special_tokens_map())
    write_json(os.path.join(args.out_dir, "config.json"), model_config(vocab))

    torch.manual_seed(SEED)
    model = Bert(vocab).eval()
    init_weights(model, SEED)
    onnx_path = os.path.join(args.out_dir, "onnx", "model.onnx")
    export_fp32(model, onnx_path)

    wp = WordPiece(tokens, src["model"].get("max_input_chars_per_word", 100))
    refs = []
    for text in REFERENCE_TEXTS:
        toks, ids = wp.encode(text)
        t = torch.tensor([ids], dtype=torch.int64)
        mask = torch.ones_like(t)
        with torch.no_grad():
            vec = mean_pool_normalize(model(t, mask, torch.zeros_like(t)), mask)[0]
        refs.append({"text": text, "tokens": toks, "input_ids": ids,
                     "vector": [round(float(x), 6) for x in vec]})
    write_json(os.path.join(args.out_dir, "reference.json"), {
        "about": "Expected tokenizer output and torch fp32 last_hidden_state mean-pooled over "
                 "the attention mask and L2-normalised (rounded to 6 decimals). Random weights: "
                 "the vectors mean nothing.",
        "generator": "scripts/make-tiny-bert.py",
        "vocab_size": vocab, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "intermediate_size": FFN,
        "max_position_embeddings": MAXPOS, "seed": SEED,
        "texts": refs,
    })

    for root, _, files in sorted(os.walk(args.out_dir)):
        for name in sorted(files):
            p = os.path.join(root, name)
            print(f"{os.path.getsize(p):>9}  {p}")
    print(f"vocab {vocab}, hidden {HIDDEN}, layers {LAYERS}, heads {HEADS}, ffn {FFN}, positions {MAXPOS}")


if __name__ == "__main__":
    main()
