"""Find the rewards named under ``rewards:`` in config.yaml and wrap each in the guard (guard.py).

A reward is named in one of three ways:

- ``length_penalty``: a public function defined in reward_functions.py that takes ``completions``. Helpers (names
  starting with ``_``) and functions imported from elsewhere are not rewards there.
- ``my_package.rewards.fn``: any importable callable, as TRL's ``trl/scripts/grpo.py`` accepts (the working
  directory is on the import path).
- ``path/to/file.py:fn``: a function in any Python file.

``@reward(penalty=..., needs=...)`` optionally sets what a completion scores when the function raises on it
(default 0.0) and the dataset columns it reads; required parameters of the function count as needed columns too.
``params`` from config.yaml are checked against the function's signature and bound with ``functools.partial``
(open-r1's ``get_reward_funcs`` pattern). Every problem is one line at start-up (``ConfigError``).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import sys
import typing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, TypeAdapter, ValidationError

from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.scoring.guard import GuardedReward, RewardFunc

# The user's reward file, beside train.py (in the Docker image too, where it is mounted there).
REWARDS_FILE = Path(__file__).resolve().parents[2] / "reward_functions.py"
# Keyword arguments TRL itself passes to every reward function; every other keyword is a dataset column.
TRL_ARGUMENTS = frozenset(
    {"prompts", "completions", "completion_ids", "trainer_state", "log_extra", "log_metric", "environments"}
)
F = TypeVar("F", bound=Callable)


class RewardSpec(BaseModel):
    """One entry of ``rewards:`` in config.yaml (a bare name there means ``{name: ...}``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        description="A reward in reward_functions.py, package.module.fn, or path/to/file.py:fn."
    )
    weight: float = 1.0
    params: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments bound to the function."
    )


def reward(penalty: float = 0.0, needs: Iterable[str] = ()) -> Callable[[F], F]:
    """Optional marker: ``penalty`` is what a completion scores when the function raises on it; ``needs`` names
    the dataset columns it reads (a task without them is refused before training starts)."""

    def mark(function: F) -> F:
        function.reward_penalty = float(penalty)
        function.reward_needs = (needs,) if isinstance(needs, str) else tuple(needs)
        return function

    return mark


def available_rewards(path: str | Path = REWARDS_FILE) -> dict[str, RewardFunc]:
    """The rewards of reward_functions.py at ``path``, by name, in file order."""
    module = _load_file(Path(path).resolve())
    return {
        name: value
        for name, value in vars(module).items()
        if _local_reward_problem(name, value, module) == ""
    }


def build_reward_funcs(
    specs: Sequence[RewardSpec], path: str | Path = REWARDS_FILE
) -> tuple[list[GuardedReward], list[float]]:
    """Guarded reward callables and their weights (for ``GRPOConfig.reward_weights``), in ``specs`` order."""
    rewards = [_build(spec, Path(path)) for spec in specs]
    names = [r.__name__ for r in rewards]
    if twice := next((name for name in names if names.count(name) > 1), None):
        raise ConfigError(
            f"rewards: {twice!r} is listed twice; TRL logs each reward under its function's name "
            f"(rewards/{twice}/mean), so each may appear once"
        )
    return rewards, [float(spec.weight) for spec in specs]


def check_columns(rewards: Sequence[GuardedReward], columns: Iterable[str]) -> None:
    """Before training: every column a reward needs exists, no ``params`` key shadows a column, and a reward
    without ``**kwargs`` takes every keyword TRL will pass it (else each of its calls would fail)."""
    columns = list(columns)
    passed = [
        *sorted(TRL_ARGUMENTS - {"completions", "environments"}),
        *(c for c in columns if c != "prompt"),
    ]
    for reward_func in rewards:
        if reward_func.accepts is not None and (
            refused := [k for k in passed if k not in reward_func.accepts]
        ):
            raise ConfigError(
                f"rewards: {reward_func.__name__} cannot take the keyword {refused[0]!r} that TRL passes to "
                "every reward; add **kwargs to its parameters"
            )
        if missing := [need for need in reward_func.needs if need not in columns]:
            raise ConfigError(
                f"rewards: {reward_func.__name__} needs the dataset column {missing[0]!r}, which this task "
                f"does not have; its columns: {', '.join(columns)}"
            )
        if shadowed := [key for key in reward_func.params if key in columns]:
            raise ConfigError(
                f"rewards: {reward_func.__name__}: params.{shadowed[0]} is also a dataset column, which TRL "
                "passes under the same name; rename the parameter"
            )


def _build(spec: RewardSpec, path: Path) -> GuardedReward:
    function = _find(spec.name, path)
    if inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(type(function).__call__):
        raise ConfigError(f"rewards: {spec.name}: async reward functions are not supported; use a plain def")
    params = _checked_params(spec, function)
    needs = [*getattr(function, "reward_needs", ()), *_required_columns(function, params)]
    return GuardedReward(
        name=getattr(function, "__name__", type(function).__name__),
        function=functools.partial(function, **params) if params else function,
        penalty=float(getattr(function, "reward_penalty", 0.0)),
        needs=tuple(dict.fromkeys(needs)),
        params=params,
        accepts=_keywords(function),
    )


def _find(name: str, path: Path) -> RewardFunc:
    if ":" in name:
        file, _, attribute = name.rpartition(":")
        return _attribute(_load_file(Path(file).resolve()), attribute, name)
    if "." in name:
        module_name, _, attribute = name.rpartition(".")
        return _attribute(_import(module_name, name), attribute, name)
    module = _load_file(path.resolve())
    found = available_rewards(path)
    if name in found:
        return found[name]
    if name in vars(module):
        raise ConfigError(
            f"rewards: {name!r} in {path} is not a reward: {_local_reward_problem(name, vars(module)[name], module)}"
        )
    close = difflib.get_close_matches(name, list(found), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(
        f"rewards: unknown reward {name!r}{hint}; available in {path}: {', '.join(found)} "
        "(or name one as package.module.fn or path/to/file.py:fn)"
    )


def _local_reward_problem(name: str, value: object, module: ModuleType) -> str:
    """Why ``value`` is not a reward of the reward file ("" when it is one)."""
    if name.startswith("_"):
        return "its name starts with '_' (a helper)"
    if not inspect.isfunction(value):
        return "it is not a function"
    if "completions" not in _parameters(value):
        return "it takes no `completions` parameter"
    if value.__module__ != module.__name__:
        return f"it is imported from {value.__module__}; name it as {value.__module__}.{value.__name__}"
    return ""


def _attribute(module: ModuleType, attribute: str, name: str) -> RewardFunc:
    function = getattr(module, attribute, None)
    if function is None:
        public = [key for key, value in vars(module).items() if callable(value) and not key.startswith("_")]
        close = difflib.get_close_matches(attribute, public, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"rewards: {name}: {module.__name__} has no {attribute!r}{hint}")
    if not callable(function):
        raise ConfigError(f"rewards: {name}: not a function but {type(function).__name__}")
    if (keywords := _keywords(function)) is not None and "completions" not in keywords:
        raise ConfigError(f"rewards: {name}: takes no `completions` argument (TRL passes it by name)")
    return function


def _import(module_name: str, name: str) -> ModuleType:
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())  # after installed packages, so a local file cannot shadow one
    try:
        return importlib.import_module(module_name)
    except Exception as error:
        raise ConfigError(
            f"rewards: {name}: cannot import {module_name}: {type(error).__name__}: {error}"
        ) from None


def _load_file(path: Path) -> ModuleType:
    """Import a Python file by path, once. The bundle's reward_functions.py is the module ``reward_functions``
    (the same one ``import reward_functions`` gives); any other file gets a name of its own."""
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    module_name = "reward_functions" if path == REWARDS_FILE else f"reward_file_{digest}"
    loaded = sys.modules.get(module_name)
    if loaded is not None and Path(getattr(loaded, "__file__", "")).resolve() == path:
        return loaded
    if not path.is_file():
        raise ConfigError(f"reward file {path} does not exist")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None:
        raise ConfigError(f"reward file {path} is not a Python file (.py)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # before running it, as a normal import does (dataclasses need it)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise ConfigError(f"cannot import the reward file {path}: {type(error).__name__}: {error}") from None
    return module


def _parameters(function: Callable) -> dict[str, inspect.Parameter]:
    try:
        return dict(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a builtin or C callable: nothing to check
        return {}


def _keywords(function: Callable) -> frozenset[str] | None:
    """The keyword arguments ``function`` can take; None when it takes any (``**kwargs``, or no signature)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return frozenset(p.name for p in parameters if p.kind is not p.POSITIONAL_ONLY)


def _checked_params(spec: RewardSpec, function: Callable) -> dict[str, Any]:
    """``spec.params`` checked against the function's signature: each a named parameter, of its annotated type
    (or its default's type), validated strictly as JSON would be (2000.5 is not an int, "2000" is not either)."""
    settable = {
        p.name: p
        for p in _parameters(function).values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in TRL_ARGUMENTS
    }
    hints = _type_hints(function)
    bound = {}
    for key, value in spec.params.items():
        if key not in settable:
            close = difflib.get_close_matches(key, list(settable), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"rewards: {spec.name}: params.{key}: not a parameter of the function{hint}; "
                f"it takes: {', '.join(settable) or 'none'}"
            )
        default = settable[key].default
        unset = default is inspect.Parameter.empty or default is None
        expected = hints.get(key, None if unset else type(default))
        bound[key] = _typed(spec.name, key, value, expected)
    return bound


def _type_hints(function: Callable) -> dict[str, Any]:
    target = (
        function if inspect.isfunction(function) or inspect.ismethod(function) else type(function).__call__
    )
    try:
        return typing.get_type_hints(target)
    except Exception:  # an annotation that does not resolve: fall back on the defaults' types
        return {}


def _typed(name: str, key: str, value: Any, expected: Any) -> Any:
    if expected is None or expected is Any:
        return value
    try:
        adapter = TypeAdapter(expected)
    except PydanticUserError:  # a type pydantic cannot check: leave it to the function
        return value
    try:
        try:
            return adapter.validate_json(json.dumps(value), strict=True)
        except TypeError:  # not JSON-like (a YAML date, say)
            return adapter.validate_python(value, strict=True)
    except ValidationError as error:
        message = error.errors()[0]["msg"]
        raise ConfigError(f"rewards: {name}: params.{key}: {message} (got {value!r:.60})") from None


def _required_columns(function: Callable, params: dict[str, Any]) -> list[str]:
    """Parameters without a default that TRL does not pass itself: TRL fills them from dataset columns."""
    return [
        p.name
        for p in _parameters(function).values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.name not in TRL_ARGUMENTS
        and p.name not in params
    ]
