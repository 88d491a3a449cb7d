"""Each warning sign fires on a crafted metric sequence that shows it, and none fires on a healthy run."""

from __future__ import annotations

import json
import math

import pytest

from gpt_oss_grpo.monitoring.settings import MonitorSettings
from gpt_oss_grpo.monitoring.signs import (
    REPETITION_KEY,
    WarningMonitor,
    current_signs,
    mean_repeated_ngram_share,
    repeated_ngram_share,
)
from tests.monitoring_runs import WEIGHTS, healthy_run


def kinds(rows: list[dict], **overrides) -> set[str]:
    settings = MonitorSettings(**overrides)
    return {sign.kind for sign in current_signs(rows, settings, WEIGHTS)}


def test_healthy_run_raises_nothing_at_any_step():
    rows = healthy_run()
    for end in range(1, len(rows) + 1):
        assert kinds(rows[:end]) == set(), f"false warning at step {end}"


def test_plateau_fires_when_reward_stops_rising():
    rows = healthy_run()
    for row in rows[20:]:
        row["reward"] = 3.0 + 0.05 * math.sin(row["step"])
    assert "reward_plateau" in kinds(rows)
    assert "reward_plateau" not in kinds(rows, plateau_window=30)  # two windows of 30 span the rising part


def test_dominant_reward_fires_when_one_function_pays_almost_all():
    rows = healthy_run()
    for row in rows[-10:]:
        row["rewards/works/mean"], row["rewards/correct/mean"], row["rewards/fast/mean"] = 0.1, 8.0, 0.2
    assert "dominant_reward" in kinds(rows)
    assert "dominant_reward" not in kinds(rows, dominant_share=0.99)


def test_dominant_reward_counts_weights_and_penalties():
    rows = healthy_run()
    for row in rows[-10:]:
        # a large penalty from one function dominates just as a large payment does
        row["rewards/works/mean"], row["rewards/correct/mean"], row["rewards/fast/mean"] = -9.0, 0.3, 0.4
    assert "dominant_reward" in kinds(rows)
    for row in rows[-10:]:
        row["rewards/works/mean"], row["rewards/correct/mean"], row["rewards/fast/mean"] = 1.0, 1.0, 6.0
    # fast pays 6 raw but only 3 after its 0.5 weight: 60% of the total, under the 80% threshold
    assert "dominant_reward" not in kinds(rows)


def test_kl_fires_above_limit_and_only_when_logged():
    rows = healthy_run()
    rows[-1]["kl"] = 1.7
    assert "kl_high" in kinds(rows)
    assert "kl_high" not in kinds(rows, kl_max=2.0)
    for row in rows:
        del row["kl"]  # beta = 0: TRL does not log kl
    assert "kl_high" not in kinds(rows)


@pytest.mark.parametrize(("factor", "kind"), [(0.3, "length_collapse"), (3.0, "length_explode")])
def test_length_fires_when_reward_rises_while_length_changes(factor, kind):
    rows = healthy_run()
    for row in rows[-10:]:
        row["completions/mean_length"] *= factor
    assert kind in kinds(rows)
    for row in rows:
        row["reward"] = 2.0  # same length change without a reward rise is not this sign
    assert kind not in kinds(rows)


def test_repetition_fires_on_looping_completions():
    rows = healthy_run()
    looping = "def matmul(A, B): return A " * 20
    share = repeated_ngram_share(looping, 4)
    assert share > 0.8
    assert repeated_ngram_share("def matmul(A, B):\n    return [[sum(a * b for a, b in zip(r, c))]]", 4) == 0
    for row in rows[-10:]:
        row[REPETITION_KEY] = share
    assert "repetitive_completions" in kinds(rows)


def test_zero_spread_fires_when_most_groups_score_alike():
    rows = healthy_run()
    for row in rows[-10:]:
        row["frac_reward_zero_std"] = 0.75
    assert "zero_reward_spread" in kinds(rows)
    assert "zero_reward_spread" not in kinds(rows, zero_std_max_frac=0.8)


@pytest.mark.parametrize(("key", "value"), [("loss", float("nan")), ("grad_norm", float("inf"))])
def test_nonfinite_fires_on_nan_or_inf(key, value):
    rows = healthy_run()
    rows[-1][key] = value
    assert "nonfinite" in kinds(rows)


def test_monitor_prints_each_sign_once_and_keeps_them_across_resume(tmp_path, capsys):
    rows = healthy_run()
    for row in rows[30:]:
        row["frac_reward_zero_std"] = 0.9
    monitor = WarningMonitor(MonitorSettings(), WEIGHTS, tmp_path)
    monitor.start([], 0)
    raised = [sign for row in rows for sign in monitor.observe(row)]
    assert [sign.kind for sign in raised] == ["zero_reward_spread"]
    assert raised[0].step == 36  # the first step where the 10-step mean passes 0.5
    printed = capsys.readouterr().err
    assert printed.count("WARNING at step 36: most groups give no learning signal") == 1
    assert "raise num_generations or temperature" in printed
    logged = [json.loads(line) for line in (tmp_path / "warnings.jsonl").read_text().splitlines()]
    assert [w["kind"] for w in logged] == ["zero_reward_spread"]

    # resumed from a checkpoint after the warning: still raised, not printed again
    resumed = WarningMonitor(MonitorSettings(), WEIGHTS, tmp_path)
    resumed.start(rows[:40], 40)
    assert [s for row in rows[40:] for s in resumed.observe(row)] == []
    # resumed from a checkpoint before it: the warning row is dropped and raised again at step 36
    again = WarningMonitor(MonitorSettings(), WEIGHTS, tmp_path)
    again.start(rows[:20], 20)
    assert [s.step for row in rows[20:] for s in again.observe(row)] == [36]
    assert len((tmp_path / "warnings.jsonl").read_text().splitlines()) == 1


def test_settings_reject_bad_thresholds():
    with pytest.raises(ValueError, match="dominant_share"):
        MonitorSettings(dominant_share=0.3)
    with pytest.raises(ValueError, match="extra"):
        MonitorSettings(kl_limit=2)


def test_repetition_share_reads_text_and_conversational_completions():
    looping = "a b c d " * 10
    assert mean_repeated_ngram_share(
        [looping, [{"role": "assistant", "content": looping}]], 4
    ) == pytest.approx(repeated_ngram_share(looping, 4))
    assert mean_repeated_ngram_share([], 4) == 0.0
