"""The upstream fixture projects (../shared/fixtures/divbase-upstream/README.md), by file name."""

from __future__ import annotations

HOM = "HOM_20ind_17SNPs"
FIRST_10 = f"{HOM}_first_10_samples.vcf.gz"
LAST_10 = f"{HOM}_last_10_samples.vcf.gz"
HOM_TSV = "sample_metadata_HOM_20ind_17SNPs.tsv"
QUERY = [FIRST_10, LAST_10, HOM_TSV]
"""Query project: two files with disjoint samples (the merge path)."""
CHROMS = ["1", "4", "5", "6", "7", "8", "13", "18", "20", "21", "22", "24"]
SPLIT_TSV = "sample_metadata_HOM_chr_split_version.tsv"
SPLIT = [f"{HOM}.{c}.vcf.gz" for c in CHROMS] + [SPLIT_TSV]
"""Split-scaffold project: one file per chromosome, same samples (the concat path)."""
MIXED_TSV = "sample_metadata_HOM_files_that_need_mixed_bcftools_concat_and_merge.tsv"
MIXED = (
    [f"{HOM}.{c}.vcf.gz" for c in ("1", "4", "21")]
    + [f"{HOM}_changed_sample_names.vcf.gz"]
    + [f"{HOM}.{c}_edit_new_sample_names.vcf.gz" for c in ("8", "13", "18")]
    + [MIXED_TSV]
)
"""Mixed project: concat groups that are then merged."""
