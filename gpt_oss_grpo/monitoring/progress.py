"""Progress bar with the step, ETA and mean reward, and one compact line per logged step."""

from __future__ import annotations

from tqdm.auto import tqdm
from transformers.trainer_callback import ProgressCallback


def _fmt(logs: dict, key: str, spec: str = ".4g") -> str | None:
    value = logs.get(key)
    return None if not isinstance(value, int | float) else format(value, spec)


class RewardProgressCallback(ProgressCallback):
    """transformers' progress bar, started at the resumed step, with the mean reward beside the ETA."""

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.training_bar = tqdm(
                total=state.max_steps, initial=state.global_step, desc="GRPO", unit="step", dynamic_ncols=True
            )
        self.current_step = state.global_step

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or self.training_bar is None or not logs or "reward" not in logs:
            return
        reward = _fmt(logs, "reward")
        self.training_bar.set_postfix_str(f"reward {reward}", refresh=True)
        spread = _fmt(logs, "reward_std", ".3g")
        fields = {
            "reward": reward if spread is None else f"{reward} ± {spread}",
            "kl": _fmt(logs, "kl", ".3g"),
            "loss": _fmt(logs, "loss", ".3g"),
            "grad": _fmt(logs, "grad_norm", ".3g"),
            "len": _fmt(logs, "completions/mean_length", ".0f"),
            "s/step": _fmt(logs, "step_time", ".1f"),
        }
        parts = [f"{name} {value}" for name, value in fields.items() if value is not None]
        self.training_bar.write(f"step {state.global_step}/{state.max_steps} | " + " | ".join(parts))
