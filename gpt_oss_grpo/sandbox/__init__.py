"""The sandbox: run untrusted candidate code in a fresh, locked-down child process (parent.py) and its settings.

Standard library (and pydantic for the settings) only: child.py and kernel_guards.py run inside the child under
``python -I -S``; never import torch, transformers, trl, numpy or the scoring from here.
"""

from gpt_oss_grpo.sandbox.parent import Child, Reply, start
from gpt_oss_grpo.sandbox.probe import CHILD_PROGRAM, Protections, protections
from gpt_oss_grpo.sandbox.settings import SandboxSettings, configure, settings

__all__ = [
    "CHILD_PROGRAM",
    "Child",
    "Protections",
    "Reply",
    "SandboxSettings",
    "configure",
    "protections",
    "settings",
    "start",
]
