"""Append-only JSONL files keyed by training step, kept continuous across a kill and resume."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


def _finite(value: Any) -> Any:
    """NaN/inf become null, so every line stays standard JSON (jq, browsers and pandas all read it)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def read_rows(path: Path) -> list[dict[str, Any]]:
    """All rows of a JSONL file (empty when it does not exist); a torn last line from a kill is skipped."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


class StepLog:
    """One JSONL file of rows with a `step` field, written as training goes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def start(self, global_step: int) -> list[dict[str, Any]]:
        """Drop rows past `global_step` (logged after the checkpoint a resume starts from); return the kept rows.

        A fresh run starts at step 0, so it drops everything an earlier run left in the same folder.
        """
        kept = [row for row in read_rows(self.path) if int(row.get("step", 0)) <= global_step]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(row) + "\n" for row in kept)
        self.path.write_text(text, encoding="utf-8")
        return kept

    def append(self, row: dict[str, Any]) -> None:
        """Write one row and flush it, so a kill loses at most the row being written."""
        line = json.dumps(_finite(row), default=str)  # a value a reward logged may be any object
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
