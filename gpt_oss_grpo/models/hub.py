"""Fail in seconds, not minutes, when a model must come from the Hugging Face hub and the hub cannot answer.

Without network, huggingface_hub retries every request with back-off (about 50 s per file) before transformers
gives up. Instead: honour ``HF_HUB_OFFLINE``, and otherwise ask the hub once, with a short timeout, whether it
answers at all; when it does not, switch this process to offline mode so a cached model still loads and a
missing one fails at once, with what to do.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from gpt_oss_grpo.errors import ConfigError

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 3.0
_offline_because: str | None = None  # why this process loads from the local cache only, once known


def prepare(name: str) -> None:
    """Call before loading ``name``: a hub id on a machine without network is then read from the cache only."""
    global _offline_because
    from huggingface_hub import constants

    if _offline_because is not None or _is_path(name):
        return
    if constants.HF_HUB_OFFLINE:
        _offline_because = "HF_HUB_OFFLINE is set"
    elif not _answers(constants.ENDPOINT):
        _offline_because = f"{constants.ENDPOINT} cannot be reached"
        constants.HF_HUB_OFFLINE = True  # read by huggingface_hub and transformers at every request
        os.environ["HF_HUB_OFFLINE"] = "1"  # and by any process started from here
        log.info("%s: loading %r from the local Hugging Face cache only", _offline_because, name)


def load_error(name: str, path: str, error: Exception) -> ConfigError:
    """The one line for a model or tokenizer ``name`` (loaded from ``path``) that could not be loaded."""
    if _is_path(path) and not Path(path).is_dir():
        return ConfigError(f"model.name: no folder {name!r} (a hub id looks like org/name)")
    if _offline_because is not None and not Path(path).is_dir():
        return ConfigError(
            f"model.name: {name!r} is not in the local Hugging Face cache and {_offline_because}: fetch it "
            "once with network (python train.py --dry-run fetches the tokenizer, the first training run the "
            "weights), or set model.name to a local folder"
        )
    return ConfigError(f"model.name: cannot load {name!r}: {str(error).splitlines()[0]}")


def _is_path(name: str) -> bool:
    """A local folder, or something only a path can look like (a hub id is ``org/name``)."""
    return Path(name).is_dir() or name.startswith(("/", ".", "~")) or name.count("/") > 1


def _answers(endpoint: str) -> bool:
    """Whether the hub answers at all (any HTTP status counts), through huggingface_hub's own client (proxies)."""
    from huggingface_hub.utils import get_session

    try:
        get_session().head(endpoint, timeout=PROBE_TIMEOUT_S)
    except Exception:
        return False
    return True
