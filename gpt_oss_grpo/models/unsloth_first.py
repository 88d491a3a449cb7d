"""Import Unsloth before anything imports TRL or transformers, when the `auto` backend will pick it.

Unsloth patches TRL and transformers at import time and only fully applies when it comes first, but the
backend is only known once the config is read, after train.py's imports. So train.py imports this module
first: it loads Unsloth exactly when `auto` will pick it (backend.auto_picks_unsloth).
"""

from gpt_oss_grpo.models.backend import auto_picks_unsloth

if auto_picks_unsloth():
    import unsloth  # noqa: F401
