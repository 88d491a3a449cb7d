"""Names of the files the monitoring writes in a run's output_dir (shared by the writers and the report)."""

METRICS_FILE = "metrics.jsonl"
COMPLETIONS_FILE = "completions.jsonl"
WARNINGS_FILE = "warnings.jsonl"
RUN_CONFIG_FILE = "run_config.json"
REWARD_WEIGHTS_FILE = "reward_weights.json"
PLOTS_DIR = "plots"
REPORT_FILE = "report.md"
