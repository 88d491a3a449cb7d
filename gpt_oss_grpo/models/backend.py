"""Which backend loads the model: the one rule, used by the Unsloth-first import, train.py and predict.

Imports torch (to see CUDA) but never transformers or TRL, so the Unsloth-first import can use it.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Literal

import torch

from gpt_oss_grpo.errors import ConfigError

Backend = Literal["unsloth", "transformers"]
# Set to "transformers" to keep Unsloth out even where `auto` would pick it (it patches TRL at import time).
BACKEND_ENV = "GPT_OSS_GRPO_BACKEND"


def unsloth_usable() -> bool:
    """Unsloth is installed and a CUDA GPU is visible (its kernels, merges and GGUF export need both)."""
    return importlib.util.find_spec("unsloth") is not None and torch.cuda.is_available()


def auto_picks_unsloth() -> bool:
    """`backend: auto` means Unsloth on one CUDA GPU when it is installed, else transformers + PEFT."""
    return (
        unsloth_usable()
        and int(os.environ.get("WORLD_SIZE", "1")) <= 1
        and os.environ.get(BACKEND_ENV, "auto") != "transformers"
    )


def resolve_backend(requested: str) -> Backend:
    """The backend for `model.backend`; imports Unsloth when it is chosen, since it must patch TRL before use."""
    if requested == "unsloth":
        if not torch.cuda.is_available():
            raise ConfigError(
                "model.backend: unsloth needs a CUDA GPU and none is visible; use backend: transformers (or auto)"
            )
        if not unsloth_usable():
            raise ConfigError("model.backend: unsloth is not installed; pip install -r requirements-gpu.txt")
    backend: Backend = (
        "unsloth"
        if requested == "unsloth" or (requested == "auto" and auto_picks_unsloth())
        else "transformers"
    )
    if backend == "unsloth":
        import unsloth  # noqa: F401
    return backend
