"""gpt-oss-grpo: config-driven GRPO fine-tuning of GPT-OSS with sandboxed, verifiable code rewards."""
