"""GRPOTrainer plus the reward-failure counts in every log line.

Imported only when the trainer is built, after Unsloth (when chosen) has patched TRL. The counts are added in
`log` because Trainer copies the logs into its history before callbacks see them.
"""

from __future__ import annotations

from trl import GRPOTrainer

from gpt_oss_grpo.reward_registry import failure_counts


class GuardedGRPOTrainer(GRPOTrainer):
    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        logs.update({f"rewards/{name}/failures": float(count) for name, count in failure_counts().items()})
        super().log(logs, start_time)
