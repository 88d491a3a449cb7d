"""Training monitoring: metric and completion logs, warning signs, safe stopping, plots and a report.

`MonitorSettings` imports without torch (config loading stays fast); the rest, which imports transformers,
loads on first use. Never imports TRL, the sandbox or the model loading.
"""

from importlib import import_module
from typing import Any

from gpt_oss_grpo.monitoring.settings import MonitorSettings

_LAZY = {"install_monitoring": "callbacks", "write_report": "report"}

__all__ = ["MonitorSettings", "install_monitoring", "write_report"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"gpt_oss_grpo.monitoring.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
