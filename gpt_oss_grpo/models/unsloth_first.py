"""Import Unsloth before anything imports TRL or transformers, when the `auto` backend will pick it.

Unsloth patches TRL and transformers at import time and only fully applies when it comes first, but the
backend is only known once the config is read, after train.py's imports. So train.py imports this module
first: it loads Unsloth under the same condition `auto` uses (installed, a CUDA GPU, a single process).
"""

import importlib.util
import os

if (
    importlib.util.find_spec("unsloth") is not None
    and int(os.environ.get("WORLD_SIZE", "1")) <= 1
    and os.environ.get("GPT_OSS_GRPO_BACKEND", "auto") != "transformers"
):
    import torch

    if torch.cuda.is_available():
        import unsloth  # noqa: F401
