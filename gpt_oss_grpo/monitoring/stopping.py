"""Stop a run cleanly: on Ctrl-C, SIGTERM or a NaN/inf gradient, save a checkpoint, write the report, exit.

The checkpoint is the normal `checkpoint-<step>` (model, optimizer, scheduler, RNG states), so
`python train.py --resume` continues from it. For a non-finite gradient the update of that step is skipped
(gradients dropped before the optimizer runs), so the saved weights are the last healthy ones.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback

NONFINITE_EXIT_CODE = 1
# Ctrl-C, and the polite stop of `docker stop`, `timeout`, Kubernetes and Slurm: exit as the signal would (128 + n).
STOP_SIGNALS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class SafeStopCallback(TrainerCallback):
    """Turns Ctrl-C, SIGTERM and non-finite gradients into: finish the step, save a checkpoint, report, exit."""

    def __init__(self, trainer: Any, stop_on_nonfinite: bool) -> None:
        self.trainer = trainer
        self.stop_on_nonfinite = stop_on_nonfinite
        self.reason: str | None = None
        self.exit_code = 0
        self._previous_handlers: dict[int, Any] = {}

    # -- Ctrl-C / SIGTERM --------------------------------------------------------------------------------
    def _on_signal(self, signum, frame) -> None:
        if self.reason is not None:
            raise KeyboardInterrupt
        name = STOP_SIGNALS[signum]
        print(
            f"\n{name}: finishing this step, then saving a checkpoint and exiting "
            f"(send {name} again to quit at once without saving).",
            file=sys.stderr,
            flush=True,
        )
        self._request_stop(f"interrupted by {name}", 128 + signum)

    def _request_stop(self, reason: str, code: int) -> None:
        if self.reason is None:
            self.reason, self.exit_code = reason, code

    def on_train_begin(self, args, state, control, **kwargs):
        if threading.current_thread() is threading.main_thread():
            self._previous_handlers = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}

    def on_train_end(self, args, state, control, **kwargs):
        for sig, handler in self._previous_handlers.items():
            signal.signal(sig, handler)
        self._previous_handlers = {}

    # -- NaN / inf -----------------------------------------------------------------------------------------
    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        if not self.stop_on_nonfinite:
            return
        grads = [p.grad for p in self.trainer.model.parameters() if p.requires_grad and p.grad is not None]
        if not grads or torch.isfinite(torch.nn.utils.get_total_norm(grads)):
            return
        # Dropping the gradients makes the optimizer skip every parameter: the weights stay healthy.
        for parameter in self.trainer.model.parameters():
            parameter.grad = None
        self._request_stop(
            f"non-finite gradient at step {state.global_step + 1} (update skipped)", NONFINITE_EXIT_CODE
        )

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not self.stop_on_nonfinite:
            return
        for key in ("loss", "grad_norm"):
            value = (logs or {}).get(key)
            if isinstance(value, float) and not math.isfinite(value):
                self._request_stop(f"{key} = {value} at step {state.global_step}", NONFINITE_EXIT_CODE)
                self.on_step_end(args, state, control)  # the save decision comes right after this log

    # -- save, then exit -------------------------------------------------------------------------------
    def on_step_end(self, args, state, control, **kwargs):
        if self.reason is not None:
            control.should_log = True
            control.should_save = True
            control.should_training_stop = True

    def on_save(self, args, state, control, **kwargs):
        if self.reason is None:
            return
        from gpt_oss_grpo.monitoring.report import write_report

        checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        # End the run the normal way for the other callbacks (TensorBoard flushes, the progress bar closes).
        self.trainer.callback_handler.on_train_end(args, state, control)
        if state.is_world_process_zero:
            report = write_report(Path(args.output_dir))
            print(
                f"\nStopped: {self.reason}. Saved {checkpoint}; report: {report}.\n"
                f"Continue with: python train.py --resume {checkpoint}",
                file=sys.stderr,
                flush=True,
            )
        raise SystemExit(self.exit_code)
