#!/usr/bin/env bash
# The steps of the papermap composite action (action.yml at the repository root), one subcommand a step.
# Inputs come as environment variables (INPUT_*, set by action.yml); outputs go to $GITHUB_OUTPUT and
# "What's new" to $GITHUB_STEP_SUMMARY. Run by hand or in tests with PAPERMAP naming the command
# (e.g. PAPERMAP="node dist/src/cli.js"), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY naming files.
#
#   papermap.sh install   install papermap from the action's own checkout (skipped when PAPERMAP is set)
#   papermap.sh run       one job: with INPUT_SHARD, embed shard I of INPUT_SHARDS into OUT/cache;
#                         without it, every stage (ingest, embed, index, cluster, report) into OUT
set -euo pipefail

action_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

fail() {
  echo "::error title=papermap::$*" >&2
  exit 1
}

papermap() {
  if [ -n "${PAPERMAP:-}" ]; then
    # PAPERMAP is a command line of its own ("node dist/src/cli.js"): split on spaces, as written
    read -r -a command <<<"$PAPERMAP"
    "${command[@]}" "$@"
  else
    node "$action_dir/dist/src/cli.js" "$@"
  fi
}

output() {
  echo "$1=$2" >>"${GITHUB_OUTPUT:-/dev/null}"
}

# the value of a field of a JSON file, by a path of keys (node is there: papermap runs on it)
field() {
  node -e 'let value = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); for (const key of process.argv.slice(2)) value = value?.[key]; process.stdout.write(String(value ?? ""))' "$@"
}

install() {
  if [ -n "${PAPERMAP:-}" ]; then
    echo "papermap: using $PAPERMAP"
    return
  fi
  # the action's checkout at the tag the workflow names: its lockfile pins every dependency, and prepare builds dist/
  npm ci --prefix "$action_dir" --no-audit --no-fund
}

check_inputs() {
  [ -n "${INPUT_PAPERS:-}" ] || fail "the papers input is empty: give the input files or folders (listing dumps, JSON Lines, CSV/TSV)"
  [[ "${INPUT_SHARDS:-1}" =~ ^[1-9][0-9]*$ ]] || fail "shards is '${INPUT_SHARDS}': give a whole number of at least 1"
  if [ -n "${INPUT_SHARD:-}" ] && ! { [[ "$INPUT_SHARD" =~ ^[1-9][0-9]*$ ]] && [ "$INPUT_SHARD" -le "${INPUT_SHARDS:-1}" ]; }; then
    fail "shard is '${INPUT_SHARD}': give a whole number from 1 to shards (${INPUT_SHARDS:-1})"
  fi
  case "${INPUT_REFIT:-false}" in true | false) ;; *) fail "refit is '${INPUT_REFIT}': give true or false" ;; esac
}

# shard I of N: ingest (every job reads the same papers), then embed only the shard's papers into OUT/cache
run_shard() {
  local summary="$1"
  papermap ingest --input "${papers[@]}" --out "$out" "${store[@]}" >/dev/null
  papermap embed --shard "$INPUT_SHARD/$INPUT_SHARDS" --out "$out" "${store[@]}" --json >"$summary"
  output embedded "$(field "$summary" embedded)"
  output papers "$(field "$summary" papers)"
  output cache "$out/cache"
}

# "What's new" from report.md, for the job summary: its topic links point into report.md, so they become plain text
whats_new() {
  awk '/^## What.s new$/ { on = 1 } on && /^## / && !/^## What.s new$/ { exit } on { print }' "$1" |
    sed -E 's/\[([^]]*)\]\(#topic-[0-9]+\)/\1/g'
}

run_all() {
  local summary="$1"
  local extra=()
  [ "${INPUT_REFIT:-false}" = true ] && extra+=(--refit)
  # the library gives the reports their "For your library" section
  [ -n "${INPUT_LIBRARY:-}" ] && extra+=(--library "$INPUT_LIBRARY")
  # no pipe: papermap's exit status is the step's
  papermap run --input "${papers[@]}" --out "$out" "${store[@]}" "${extra[@]}" --json >"$summary"
  output summary "$summary"
  output html "$(field "$summary" report html)"
  output markdown "$(field "$summary" report markdown)"
  output changes "$out/changes.json"
  output related "$out/related.json"
  output graph "$out/graph.graphml"
  for key in papers embedded topics outliers; do output "$key" "$(field "$summary" "$key")"; done
  if [ -n "${INPUT_LIBRARY:-}" ]; then
    # recommendations.md also uses the library entries that are not papers of the map, by their own text
    papermap recommend --library "$INPUT_LIBRARY" --out "$out" >/dev/null
    output recommendations "$out/recommendations.md"
  fi
  for key in added changed removed; do output "$key" "$(field "$out/changes.json" counts "$key")"; done
  local news="$out.whats-new.md"
  whats_new "$(field "$summary" report markdown)" >"$news"
  output news "$news"
  if [ "${INPUT_JOB_SUMMARY:-true}" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$news" >>"$GITHUB_STEP_SUMMARY"
  fi
}

run() {
  check_inputs
  out=${INPUT_OUT:-output}
  out=${out%/}
  # papers: one file or folder a line
  mapfile -t papers < <(printf '%s\n' "$INPUT_PAPERS" | sed '/^[[:space:]]*$/d')
  store=()
  # the store other than a folder goes to papermap, which says plainly if this papermap cannot take one yet
  [ -n "${INPUT_STORE:-}" ] && [ "$INPUT_STORE" != files ] && store=(--store "$INPUT_STORE")
  output out "$out"
  local summary
  summary=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/papermap-summary.XXXXXX")
  if [ -n "${INPUT_SHARD:-}" ]; then run_shard "$summary"; else run_all "$summary"; fi
}

case "${1:-}" in
  install) install ;;
  run) run ;;
  *)
    echo "usage: papermap.sh install | run (inputs as INPUT_* variables)" >&2
    exit 2
    ;;
esac
