"""Evaluation during training: a TrainerCallback that runs the held-out evaluation at the start, every
`eval.steps` steps and at the end, and logs `eval/*` through `trainer.log` (metrics.jsonl, TensorBoard, report).

TRL's own eval loop (`eval_dataset`, `eval_strategy`, `num_generations_eval`) samples at the training temperature
and logs mean rewards only; pass@k needs each problem's pass count and pass@1 a greedy decode, so this callback
generates itself, with the same generator, rewards and pass rule as evaluate.sh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tqdm.auto import tqdm
from transformers import TrainerCallback

from gpt_oss_grpo.config import RunConfig
from gpt_oss_grpo.evaluation.metrics import log_keys
from gpt_oss_grpo.evaluation.runner import Generation, evaluate, load_problems


class EvalCallback(TrainerCallback):
    def __init__(self, trainer: Any, config: RunConfig, reward_funcs: Sequence[Callable[..., list]]) -> None:
        settings = config.eval
        self.trainer = trainer
        self.task = config.task
        self.every = settings.steps
        self.reward_funcs = list(reward_funcs)
        self.dataset = load_problems(config.task, "heldout", settings.limit, trainer.processing_class)
        self.generation = Generation(
            samples=settings.samples,
            temperature=settings.temperature,
            max_new_tokens=settings.max_new_tokens or trainer.args.max_completion_length,
            seed=config.grpo.seed,
            batch_size=settings.batch_size,
        )
        self.done: set[int] = set()

    def on_train_begin(self, args, state, control, **kwargs):
        if state.global_step == 0:  # a resumed run was evaluated at its start already
            self._evaluate(state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step % self.every == 0 or state.global_step >= state.max_steps:
            self._evaluate(state.global_step)

    def _evaluate(self, step: int) -> None:
        if step in self.done:
            return
        self.done.add(step)
        model = self.trainer.accelerator.unwrap_model(self.trainer.model)
        result = evaluate(
            model, self.trainer.processing_class, self.task, self.dataset, self.reward_funcs, self.generation
        )
        logs = log_keys(result)
        # GRPOTrainer.log files its metrics under "eval" while the model is in eval mode; transformers' on_log
        # clears `should_log`, which would swallow this step's training log: keep it.
        control, should_log = self.trainer.control, self.trainer.control.should_log
        model.eval()
        try:
            self.trainer.log(dict(logs))
        finally:
            model.train()
            control.should_log = self.trainer.control.should_log = should_log
        if self.trainer.is_world_process_zero():
            shown = " | ".join(f"{key.removeprefix('eval_')} {value:.3g}" for key, value in logs.items())
            tqdm.write(f"eval step {step} ({result['problems']} held-out problems) | {shown}")


def install_evaluation(trainer: Any, config: RunConfig, reward_funcs: Sequence[Callable[..., list]]) -> None:
    """Evaluate on the held-out problems during training when `eval.steps` is set (single process only)."""
    import logging

    if config.eval.steps is None:
        return
    if trainer.accelerator.num_processes > 1:
        logging.getLogger(__name__).warning(
            "eval.steps: evaluation during training runs on one process only; use evaluate.sh after the run"
        )
        return
    trainer.add_callback(EvalCallback(trainer, config, reward_funcs))
