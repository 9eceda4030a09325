#!/usr/bin/env bash
# Set up divbase on a fresh machine and run the main job on the bundled example data.
#   ./setup.sh            install bcftools if missing, create .venv, install divbase, run the demo
#   ./setup.sh --no-demo  the same without the demo (what CI uses)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v bcftools >/dev/null || ! command -v bgzip >/dev/null; then
  echo "Installing bcftools and tabix (bgzip) ..." >&2
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq bcftools tabix >/dev/null
  else
    echo "Please install bcftools and tabix (conda install -c bioconda bcftools htslib), then rerun." >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[server,test]'
# An editable install leaves divbase uncompiled; where PYTHONDONTWRITEBYTECODE is set (containers, some
# clusters) every command would recompile it (~0.1 s), so write the bytecode once now.
.venv/bin/python -m compileall -q divbase >/dev/null
# Snakemake gets its own environment: it pins shared dependencies that conflict with divbase[server].
[ -x .venv-workflow/bin/snakemake ] || python3 -m venv .venv-workflow
.venv-workflow/bin/python -m pip install -q -r workflows/requirements.txt

[ "${1:-}" = "--no-demo" ] && exit 0

rm -rf demo && cp -r examples/data demo
divbase=.venv/bin/divbase
set -x
$divbase run dimensions-update --bucket-dir demo
$divbase run sample-metadata-query --bucket-dir demo --tsv-filter 'Area:North,West;Sex:F'
$divbase run bcftools-pipe --bucket-dir demo --tsv-filter 'Area:North,West;Sex:F' \
  --command 'view -s -r chr1' -o demo-result.vcf.gz
$divbase task-history user --bucket-dir demo
