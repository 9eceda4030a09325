rule dimensions:
    output:
        "results/dimensions.json",
    log:
        "logs/dimensions.log",
    params:
        argv=divbase_base("dimensions-update") + ["--json"],
    localrule: True
    script:
        "../scripts/divbase_step.py"


rule query:
    input:
        "results/dimensions.json",
    output:
        vcf="results/{query}.vcf.gz",
        csi="results/{query}.vcf.gz.csi",
    log:
        "logs/query/{query}.log",
    params:
        argv=query_argv,
    threads: config.get("threads") or cpus()
    resources:
        divbase_api=1,
    script:
        "../scripts/divbase_step.py"
