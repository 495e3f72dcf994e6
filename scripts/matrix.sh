#!/usr/bin/env bash
# The compatibility matrix: the acceptance suite against every CLI the test bed builds
# (OpenTofu 1.9-1.11 and Terraform 1.5.7; OpenTofu 1.12 is the suite's default and runs in
# scripts/test.sh). Writes docs/guides/compatibility.md and fails when any test fails.
#
#   bash scripts/matrix.sh [TEST FILTER...]
set -euo pipefail
cd "$(dirname "$0")/.."

bash acceptance-tests/testbed.sh build >/dev/null
bash acceptance-tests/testbed.sh build-clis >/dev/null
eval "$(bash acceptance-tests/testbed.sh paths)"
cargo build -q -p terraform-provider-flux
cargo test -q -p acceptance-tests --no-run 2>/dev/null

# Per-CLI results, kept between runs: a run with a test filter updates only the tests it ran.
results=target/matrix
mkdir -p "$results"
status=0
# MATRIX_SKIP_DEFAULT=1 (scripts/test.sh, which already ran the suite with it) leaves out the
# default CLI and does not rewrite the docs.
clis="$TOFU $MATRIX_CLIS"
[ "${MATRIX_SKIP_DEFAULT:-0}" = 1 ] && clis=$MATRIX_CLIS
for cli in $clis; do
  name=$(basename "$cli")
  log="$results/$name.log"
  start=$(date +%s)
  FLUX_TEST_CLI=$cli cargo test -p acceptance-tests --test acceptance -- --test-threads 4 "$@" >"$log" 2>&1 || status=1
  grep -E '^test .* \.\.\. (ok|FAILED)$' "$log" | sed -E 's/^test (.*) \.\.\. (ok|FAILED)$/\1 \2/' | sort >"$results/$name.run" || true
  # Merge: this run's outcomes replace earlier ones of the same tests.
  touch "$results/$name.txt"
  awk 'NR == FNR { ran[$1] = 1; print; next } !($1 in ran)' "$results/$name.run" "$results/$name.txt" | sort >"$results/$name.new"
  mv "$results/$name.new" "$results/$name.txt"
  grep -E '^test result:' "$log" || true
  printf '%s: %s passed, %s failed in %ss\n' "$name" "$(grep -c ' ok$' "$results/$name.run" || true)" \
    "$(grep -c ' FAILED$' "$results/$name.run" || true)" "$(( $(date +%s) - start ))"
  grep -A30 -E '^---- .* stdout ----' "$log" | head -60 || true
done

[ "${MATRIX_SKIP_DEFAULT:-0}" = 1 ] && exit "$status"
python3 - "$results" $clis <<'PY' >docs/guides/compatibility.md
import os, sys
results, clis = sys.argv[1], [os.path.basename(c) for c in sys.argv[2:]]
table = {}
for cli in clis:
    for line in open(os.path.join(results, cli + ".txt")):
        test, outcome = line.rsplit(" ", 1)
        table.setdefault(test, {})[cli] = "pass" if outcome.strip() == "ok" else "**FAIL**"
# The front matter the registries read (provider/flux/tests/docs_layout.rs checks it).
print("---")
print('page_title: "Compatibility matrix"')
print('subcategory: ""')
print("description: |-")
print("  The acceptance suite's results with each OpenTofu and Terraform version the test bed builds.")
print("---\n")
print("# Compatibility matrix\n")
print("The acceptance suite (real CLI, real kube-apiserver, the real Flux CRDs) run against each CLI")
print("the test bed builds, by `bash scripts/matrix.sh`. Features that need a newer client degrade")
print("cleanly on older ones: write-only attributes (OpenTofu/Terraform 1.11+) are refused with a")
print("diagnostic naming the `_wo` attribute (`sync::oci_sync_write_only_...` asserts that refusal on")
print("older CLIs), and `import { identity = ... }` (1.12+) is left out of `tenant::import_...` there.")
print("`n/a`: the test did not exist when that CLI's results were recorded.\n")
print("| test | " + " | ".join(clis) + " |")
print("| --- | " + " | ".join("---" for _ in clis) + " |")
for test in sorted(table):
    print(f"| `{test}` | " + " | ".join(table[test].get(c, "n/a") for c in clis) + " |")
PY
exit "$status"
