#!/usr/bin/env bash
# The steps of a nightly papermap job, one subcommand a CI step, for a CI other than GitHub Actions (there the
# action in action.yml does them: examples/github-actions/papermap-nightly.yml).
# Each step works on an output folder that holds last night's results (restored from the CI cache), so only
# new work is done: new papers are embedded, added to the index and placed in their topics.
#
#   nightly.sh shard I N INPUT OUT    embed shard I of N of the papers not yet embedded into OUT/cache
#                                     (one job of the CI matrix; it writes no other artifact)
#   nightly.sh gather SHARDS... OUT   put the shards' cache files into OUT/cache
#   nightly.sh map INPUT OUT [--refit] [--library FILE]
#                                     ingest and every later stage; with every shard gathered, nothing is embedded;
#                                     new papers join the topics, or --refit fits them anew (topics keep their ids);
#                                     with --library (BibTeX, RIS, CSL-JSON, Zotero CSV or a list), the reports get a
#                                     "For your library" section and OUT/recommendations.md ranks tonight's papers for it
#
# PAPERMAP names the command (default: npx papermap).
set -euo pipefail
papermap() { ${PAPERMAP:-npx papermap} "$@"; }

step=${1:-}
case "$step" in
  shard)
    [ $# -eq 5 ] || { echo "usage: nightly.sh shard I N INPUT OUT" >&2; exit 2; }
    papermap ingest --input "$4" --out "$5"
    papermap embed --shard "$2/$3" --out "$5"
    ;;
  gather)
    [ $# -ge 3 ] || { echo "usage: nightly.sh gather SHARD_DIR... OUT" >&2; exit 2; }
    out=${*: -1}
    mkdir -p "$out/cache"
    for dir in "${@:2:$#-2}"; do
      # each shard's vectors are in files of their own name; a shard's file holds what the restored cache held, and more
      cp "$dir"/*.shard-*.vectors "$out/cache/" 2>/dev/null || true
    done
    ;;
  map)
    usage() { echo "usage: nightly.sh map INPUT OUT [--refit] [--library FILE]" >&2; exit 2; }
    [ $# -ge 3 ] || usage
    input=$2 out=$3 library=
    shift 3
    options=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --refit) options+=(--refit) ;;
        --library)
          if [ $# -lt 2 ] || [ -z "$2" ]; then usage; fi
          library=$2
          options+=(--library "$2")
          shift
          ;;
        *) usage ;;
      esac
      shift
    done
    papermap run --input "$input" --out "$out" --json ${options[@]+"${options[@]}"}
    # the report's section goes by the library's entries that are papers of the map; recommend also by the others' own text
    if [ -n "$library" ]; then papermap recommend --library "$library" --out "$out" > /dev/null; fi
    ;;
  *)
    echo "usage: nightly.sh shard I N INPUT OUT | gather SHARD_DIR... OUT | map INPUT OUT [--refit] [--library FILE]" >&2
    exit 2
    ;;
esac
