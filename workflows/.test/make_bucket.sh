#!/usr/bin/env bash
# Build the test bucket from the upstream fixtures (never copied into the repository).
# Usage: .test/make_bucket.sh DEST [FIXTURES]
set -euo pipefail
dest=${1:?usage: make_bucket.sh DEST [FIXTURES]}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${2:-$here/../../../shared/fixtures/divbase-upstream}
mkdir -p "$dest"
for chrom in 1 4 5 6 7 8 13 18 20 21 22 24; do
  cp "$fixtures/HOM_20ind_17SNPs.$chrom.vcf.gz" "$dest/"
done
cp "$fixtures/sample_metadata_HOM_chr_split_version.tsv" "$dest/"
