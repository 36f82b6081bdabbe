#!/usr/bin/env bash
# Byte-identity of what users see, between two builds of the CLI: a restructuring must change
# none of it. Runs decide, replay (JSON, report.html, SVGs, CSVs), analyze (JSON and SVGs),
# explain (text and JSON on leads of every decision) and track on the bundled sample with each
# binary, then compares the two trees byte for byte.
#
#   bench/same_output.sh BEFORE_BINARY AFTER_BINARY [WORKDIR]
set -euo pipefail
before=$1 after=$2 work=${3:-$(mktemp -d)}
root=$(cd "$(dirname "$0")/.." && pwd)
ds=$root/fixtures/sample/mapping.toml
base=$root/policies/baseline.toml draft=$root/policies/draft.toml

outputs() {
  local bin=$1 out=$2
  rm -rf "$out" && mkdir -p "$out"
  "$bin" decide --policy "$draft" --dataset "$ds" --out "$out/decisions.csv" >/dev/null
  "$bin" replay --baseline "$base" --draft "$draft" --dataset "$ds" --json >"$out/replay.json"
  "$bin" replay --baseline "$base" --draft "$draft" --dataset "$ds" >"$out/replay.txt"
  "$bin" replay --baseline "$base" --draft "$draft" --dataset "$ds" --out "$out/replay" >/dev/null 2>&1
  "$bin" analyze --policy "$draft" --baseline "$base" --dataset "$ds" --out "$out/analyze" >/dev/null 2>&1
  "$bin" analyze --policy "$draft" --baseline "$base" --dataset "$ds" >"$out/analyze.txt"
  "$bin" track --policy "$base" --dataset "$ds" >"$out/track.txt"
  # One lead of each decision and reason under each policy (picked once, below).
  for policy in "$base" "$draft"; do
    local picked=$picked_draft
    [ "$policy" = "$base" ] && picked=$picked_base
    for lead in $picked; do
      "$bin" explain --policy "$policy" --dataset "$ds" --lead "$lead" >"$out/explain-$(basename "$policy")-$lead.txt"
      "$bin" explain --policy "$policy" --dataset "$ds" --lead "$lead" --json >"$out/explain-$(basename "$policy")-$lead.json"
    done
  done
}

# The first lead of each decision and unresolved reason, from the before build's decide.
leads() {
  "$before" decide --policy "$1" --dataset "$ds" --out "$work/pick.csv" >/dev/null
  python3 - "$work/pick.csv" <<'PY'
import csv, sys
seen = {}
for row in csv.DictReader(open(sys.argv[1])):
    key = (row["decision"], row["unresolved_reasons"].split(":")[0])
    seen.setdefault(key, row["lead_id"])
print(" ".join(seen.values()))
PY
}

mkdir -p "$work"
picked_base=$(leads "$base")
picked_draft=$(leads "$draft")
outputs "$before" "$work/before"
outputs "$after" "$work/after"
if diff -r "$work/before" "$work/after" >"$work/diff.txt"; then
  echo "same: $(find "$work/before" -type f | wc -l) files byte-identical ($work)"
else
  echo "DIFFERENT ($work/diff.txt):"; head -40 "$work/diff.txt"; exit 1
fi
