#!/usr/bin/env bash
# The one command of the peer benchmark (issue 8):  bench/peers/run.sh [peers.py options]
# e.g. bench/peers/run.sh --model /path/to/all-MiniLM-L6-v2   (default: papermap's own MiniLM in <repo>/models)
# Makes (once) a venv outside the repo from requirements.txt, then runs peers.py; Markdown on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
scratch="${PEERS_SCRATCH:-$repo/../scratch-peers}"
venv="$scratch/venv"
python="${PEERS_PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3

stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "peers: installing the pinned Python packages into $venv (once; about 6 GB with torch's CUDA runtime)" >&2
  mkdir -p "$scratch"
  [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip >&2
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt" >&2
  echo "$want" > "$stamp"
fi

if [[ ! -f "$repo/dist/src/cli.js" ]]; then
  echo "peers: building papermap (npm ci) in $repo" >&2
  (cd "$repo" && npm ci >&2)
fi

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow a current numpy: unset both for the Python side only;
# peers.py hands the saved values back to the papermap processes and reports it.
for var in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
  if [[ -n "${!var+x}" ]]; then export "PEERS_SAVED_$var=${!var}"; fi
done
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=2 NUMBA_NUM_THREADS=2 TOKENIZERS_PARALLELISM=false \
  PEERS_SCRATCH="$scratch" "$venv/bin/python" "$here/peers.py" --repo "$repo" "$@"
