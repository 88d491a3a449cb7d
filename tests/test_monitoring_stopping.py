"""SafeStopCallback's signal handling with real signals sent to this process (the full save-and-exit path runs
through train.py in test_monitoring_training.py)."""

from __future__ import annotations

import os
import signal

import pytest
from transformers import TrainerControl, TrainerState, TrainingArguments

from gpt_oss_grpo.monitoring.stopping import SafeStopCallback


@pytest.mark.parametrize(
    ("sig", "code", "name"), [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")]
)
def test_stop_signal_finishes_the_step_then_saves_and_stops(sig, code, name, tmp_path, capsys):
    stop = SafeStopCallback(trainer=None, stop_on_nonfinite=True)
    args, state, control = TrainingArguments(output_dir=str(tmp_path)), TrainerState(), TrainerControl()
    before = signal.getsignal(sig)
    stop.on_train_begin(args, state, control)
    try:
        os.kill(os.getpid(), sig)
        assert (stop.reason, stop.exit_code) == (f"interrupted by {name}", code)
        assert f"{name}: finishing this step, then saving a checkpoint" in capsys.readouterr().err
        stop.on_step_end(args, state, control)
        assert control.should_save and control.should_training_stop
        with pytest.raises(KeyboardInterrupt):  # a second signal quits at once
            os.kill(os.getpid(), sig)
    finally:
        stop.on_train_end(args, state, control)
    assert signal.getsignal(sig) is before


def test_no_signal_leaves_the_run_alone(tmp_path):
    stop = SafeStopCallback(trainer=None, stop_on_nonfinite=True)
    args, state, control = TrainingArguments(output_dir=str(tmp_path)), TrainerState(), TrainerControl()
    stop.on_step_end(args, state, control)
    stop.on_log(args, state, control, logs={"loss": 0.1, "grad_norm": 2.0})
    assert not control.should_save and not control.should_training_stop
    stop.on_log(args, state, control, logs={"loss": 0.1, "grad_norm": float("nan")})
    assert control.should_save and control.should_training_stop and stop.exit_code == 1
