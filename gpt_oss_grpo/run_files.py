"""Names of what a run writes in its output_dir: shared by training, the monitoring, the report and predict."""

RESOLVED_CONFIG_FILE = "config.resolved.yaml"  # the validated config, every default filled in
FINAL_MODEL_DIR = "final_model"  # the LoRA adapter and tokenizer
METRICS_FILE = "metrics.jsonl"
COMPLETIONS_FILE = "completions.jsonl"
WARNINGS_FILE = "warnings.jsonl"
REWARD_WEIGHTS_FILE = "reward_weights.json"
PLOTS_DIR = "plots"
REPORT_FILE = "report.md"
