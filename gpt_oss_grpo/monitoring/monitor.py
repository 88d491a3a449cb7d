"""Watches the metric rows as they arrive and reports each warning sign once (printed and in warnings.jsonl)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gpt_oss_grpo.monitoring.files import WARNINGS_FILE
from gpt_oss_grpo.monitoring.jsonl import StepLog
from gpt_oss_grpo.monitoring.settings import MonitorSettings
from gpt_oss_grpo.monitoring.signs import Sign, current_signs


class WarningMonitor:
    """Keeps the run's metric history and raises each kind of warning sign the first time it holds."""

    def __init__(
        self, settings: MonitorSettings, weights: Mapping[str, float], output_dir: Path | None
    ) -> None:
        self.settings = settings
        self.weights = dict(weights)
        self.rows: list[dict[str, Any]] = []
        self.raised: list[Sign] = []
        self.log = StepLog(output_dir / WARNINGS_FILE) if output_dir is not None else None

    def start(self, history: list[dict[str, Any]], global_step: int) -> None:
        """Begin (or resume at `global_step`) with the metric rows already logged; earlier warnings stay raised."""
        self.rows = list(history)
        self.raised = []
        if self.log is not None:
            self.raised = [Sign(**row) for row in self.log.start(global_step)]

    def observe(self, row: dict[str, Any]) -> list[Sign]:
        """Add one logged row; print and record the signs that hold now and were not raised before."""
        self.rows.append(row)
        seen = {sign.kind for sign in self.raised}
        new = [
            sign for sign in current_signs(self.rows, self.settings, self.weights) if sign.kind not in seen
        ]
        for sign in new:
            print(f"\n{sign}\n", file=sys.stderr, flush=True)
            self.raised.append(sign)
            if self.log is not None:
                self.log.append(sign.to_dict())
        return new
