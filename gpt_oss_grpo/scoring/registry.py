"""Find the reward functions in the user's reward_functions.py and wrap them so none can stop training.

A reward is any public function there marked with ``@reward(penalty=...)``. The guard turns an
exception into that reward's penalty for the completion that caused it (a batch that fails is retried
one completion at a time to find it), counts it, and logs each distinct failure once with the
completion's index.
"""

import difflib
import functools
import importlib.util
import logging
import math
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from gpt_oss_grpo.errors import ConfigError

log = logging.getLogger(__name__)
# The user's reward file, beside train.py (in the Docker image too, where it is mounted there).
REWARDS_FILE = Path(__file__).resolve().parents[2] / "reward_functions.py"
RewardFunc = Callable[..., list[float | None]]
_failures: Counter[str] = Counter()
_reported: set[tuple[str, str]] = set()


def reward(penalty: float, needs: tuple[str, ...] = ()) -> Callable[[RewardFunc], RewardFunc]:
    """Mark a function as a reward: ``penalty`` is paid when it fails; ``needs`` names dataset columns."""

    def mark(function: RewardFunc) -> RewardFunc:
        function.reward_penalty = float(penalty)
        function.reward_needs = tuple(needs)
        return function

    return mark


def available_rewards(path: str | Path = REWARDS_FILE) -> dict[str, RewardFunc]:
    """Public ``@reward`` functions of the file at ``path``, by name, in file order."""
    module = _load(Path(path).resolve())
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_") and callable(value) and hasattr(value, "reward_penalty")
    }


def build_reward_funcs(
    specs: list[tuple[str, float]], path: str | Path = REWARDS_FILE
) -> tuple[list[RewardFunc], list[float]]:
    """Guarded reward callables and their weights (for ``GRPOConfig.reward_weights``), in ``specs`` order."""
    found = available_rewards(path)
    for name, _ in specs:
        if name not in found:
            close = difflib.get_close_matches(name, list(found), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"rewards: unknown reward {name!r}{hint}; available in {path}: {', '.join(found)}"
            )
    return [guarded(found[name]) for name, _ in specs], [float(weight) for _, weight in specs]


def guarded(function: RewardFunc) -> RewardFunc:
    """``function`` made failure-proof: any exception for a completion scores its penalty instead."""
    name, penalty = function.__name__, function.reward_penalty

    @functools.wraps(function)
    def wrapper(completions: list, **kwargs) -> list[float | None]:
        try:
            return _checked(function(completions, **kwargs), len(completions))
        except Exception:
            pass  # find which completions fail, one at a time
        scores: list[float | None] = []
        for index, completion in enumerate(completions):
            one = {k: v[index : index + 1] if _per_row(v, completions) else v for k, v in kwargs.items()}
            try:
                scores += _checked(function([completion], **one), 1)
            except Exception as error:
                _failures[name] += 1
                scores.append(penalty)
                if (name, str(error)) not in _reported:  # each distinct failure once, not once per step
                    _reported.add((name, str(error)))
                    log.warning(
                        "reward %s failed on completion %d, scored %s: %s", name, index, penalty, error
                    )
        return scores

    return wrapper


def failure_counts() -> dict[str, int]:
    """How many completions each reward has failed on so far (for a metric like rewards/<name>/failures)."""
    return dict(_failures)


def _checked(scores: object, expected: int) -> list[float | None]:
    if not isinstance(scores, list | tuple) or len(scores) != expected:
        raise TypeError(f"a reward must return a list of {expected} numbers, got {scores!r:.80}")
    values = [None if s is None else float(s) for s in scores]
    if any(v is not None and not math.isfinite(v) for v in values):
        raise ValueError(f"a reward returned a non-finite value: {values!r:.80}")
    return values


def _per_row(value: object, completions: list) -> bool:
    return isinstance(value, list) and len(value) == len(completions)


def _load(path: Path):
    """Import the reward file by path (once), under the module name ``reward_functions``."""
    loaded = sys.modules.get("reward_functions")
    if loaded is not None and Path(getattr(loaded, "__file__", "")).resolve() == path:
        return loaded
    if not path.is_file():
        raise ConfigError(f"reward file {path} does not exist")
    spec = importlib.util.spec_from_file_location("reward_functions", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise ConfigError(f"cannot import the reward file {path}: {type(error).__name__}: {error}") from None
    sys.modules["reward_functions"] = module
    return module
