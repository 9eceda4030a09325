import csv
import os
from pathlib import Path

SELECTIONS = ("tsv_filter", "samples", "all_samples")


def load_queries(path):
    """Rows of the query table, keyed by name; exactly one sample selection per row."""
    queries = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            name = row["name"].strip()
            chosen = [key for key in SELECTIONS if (row.get(key) or "").strip()]
            if len(chosen) != 1:
                raise ValueError(f"Query '{name}' in {path}: give exactly one of {', '.join(SELECTIONS)}.")
            if name in queries:
                raise ValueError(f"Query name '{name}' appears twice in {path}.")
            queries[name] = row
    return queries


QUERIES = load_queries(config["queries"])


def divbase_base(task):
    """The divbase command line for a task in the configured mode (argv list, no shell)."""
    if config["mode"] == "local":
        return [config["divbase"], "run", task, "--bucket-dir", config["bucket_dir"]]
    return [config["divbase"], "submit", task, "--project", config["project"], "--wait",
            "--timeout", str(config["wait_timeout"])]


def query_args(name):
    """The task options of one query row."""
    row = QUERIES[name]
    args = ["--command", row["command"]]
    if (row.get("tsv_filter") or "").strip():
        args += ["--tsv-filter", row["tsv_filter"]]
        if (row.get("metadata_tsv_name") or "").strip():
            args += ["--metadata-tsv-name", row["metadata_tsv_name"]]
    elif (row.get("samples") or "").strip():
        args += ["--samples", row["samples"]]
    else:
        args += ["--all-samples"]
    return args


def query_argv(wildcards, threads):
    """The whole command of a query rule; local mode runs `threads` bcftools processes."""
    jobs = ["--jobs", str(threads)] if config["mode"] == "local" else []
    return divbase_base("bcftools-pipe") + query_args(wildcards.query) + jobs


def cpus():
    """Default threads per query: SLURM_CPUS_PER_TASK, else the CPUs this process may use."""
    slurm = os.environ.get("SLURM_CPUS_PER_TASK", "")
    return int(slurm) if slurm.isdigit() else len(os.sched_getaffinity(0))
