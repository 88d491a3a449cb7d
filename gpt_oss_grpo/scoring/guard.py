"""The guard around every reward: TRL's chat-data arguments in, a score for every completion out, whatever happens.

- **Chat form.** The bundle renders prompts to text (each row's reasoning effort must reach the chat template), so
  TRL hands rewards plain strings. The guard gives each reward what TRL documents for chat datasets instead: every
  completion as ``[{"role": "assistant", "content": text}]`` and ``prompts`` as the row's chat messages (the
  dataset's ``messages`` column).
- **Failures.** An exception scores the reward's penalty for the completion that caused it (a batch that fails is
  retried one completion at a time to find it), is logged once per distinct error, and is reported as
  ``rewards/<name>/failures`` through TRL's ``log_metric``: the share of the batch's completions it failed on,
  which TRL averages over processes and steps.
- **log_extra.** Columns a reward logs for the completions table are checked (one value per completion) and
  forwarded once per batch: the matmul rewards share one evaluation and each logs its verdict, the table keeps
  the first.
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
RewardFunc = Callable[..., list[float | None]]
_reported: set[tuple[str, str]] = set()


class _BatchColumns:
    """Which columns were already sent to TRL for the batch being scored.

    TRL passes the same ``completions`` list to every reward of one batch; holding on to it means a later batch,
    a new list, can never be mistaken for it.
    """

    def __init__(self) -> None:
        self.completions: list | None = None
        self.columns: set[str] = set()

    def claim(self, completions: list, column: str) -> bool:
        """True the first time ``column`` is logged for this batch."""
        if completions is not self.completions:
            self.completions, self.columns = completions, set()
        if column in self.columns:
            return False
        self.columns.add(column)
        return True


_batch = _BatchColumns()


class _Logs:
    """What one call of a reward logged through ``log_extra`` and ``log_metric``, held until it returns."""

    def __init__(self) -> None:
        self.extra: dict[str, list] = {}
        self.metrics: list[tuple[str, float]] = []

    def log_extra(self, column: str, values: list) -> None:
        self.extra.setdefault(column, []).extend(values)

    def log_metric(self, name: str, value: float) -> None:
        self.metrics.append((name, value))


class GuardedReward:
    """A reward function made failure-proof, called by TRL exactly like the function it wraps.

    ``name`` is what TRL logs it under (``rewards/<name>/mean``), ``function`` the reward with its config.yaml
    ``params`` already bound (``functools.partial``), ``needs`` the dataset columns it reads, ``accepts`` the
    keyword arguments it can take (None: any, it has ``**kwargs``).
    """

    def __init__(
        self,
        name: str,
        function: RewardFunc,
        penalty: float,
        needs: tuple[str, ...],
        params: dict[str, Any],
        accepts: frozenset[str] | None = None,
    ) -> None:
        self.__name__ = name
        self.__doc__ = inspect.getdoc(function.func if isinstance(function, functools.partial) else function)
        self.function = function
        self.penalty = penalty
        self.needs = needs
        self.params = params
        self.accepts = accepts

    def __repr__(self) -> str:
        bound = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.__name__}({bound})" if bound else self.__name__

    def __call__(self, completions: list, **kwargs: Any) -> list[float | None]:
        log_extra, log_metric = kwargs.pop("log_extra", None), kwargs.pop("log_metric", None)
        if isinstance(kwargs.get("messages"), list) and len(kwargs["messages"]) == len(completions):
            kwargs["prompts"] = kwargs["messages"]
        chat = [[{"role": "assistant", "content": c}] if isinstance(c, str) else c for c in completions]
        scores, logs, failed = self._score(chat, kwargs)
        if log_metric is not None:
            for name, value in logs.metrics:
                log_metric(name, value)
            log_metric(f"rewards/{self.__name__}/failures", failed / max(1, len(completions)))
        if log_extra is not None:
            for column, values in logs.extra.items():
                if _batch.claim(completions, column):
                    log_extra(column, values)
        return scores

    def _score(self, completions: list, kwargs: dict) -> tuple[list[float | None], _Logs, int]:
        logs = _Logs()
        try:
            scores = _checked(self._call(completions, kwargs, logs), len(completions))
            return scores, self._whole_columns(logs, len(completions)), 0
        except Exception:
            pass  # find which completions fail, one at a time
        merged, scores, failed = _Logs(), [], 0
        for index, completion in enumerate(completions):
            one = {k: v[index : index + 1] if _per_row(v, completions) else v for k, v in kwargs.items()}
            logs = _Logs()
            try:
                scores += _checked(self._call([completion], one, logs), 1)
            except Exception as error:
                failed += 1
                scores.append(self.penalty)
                self._report(index, error)
                continue
            merged.metrics += logs.metrics
            for column, values in self._whole_columns(logs, 1).extra.items():
                merged.extra.setdefault(column, [None] * len(completions))[index] = values[0]
        return scores, merged, failed

    def _call(self, completions: list, kwargs: dict, logs: _Logs) -> object:
        return self.function(completions, **kwargs, log_extra=logs.log_extra, log_metric=logs.log_metric)

    def _whole_columns(self, logs: _Logs, expected: int) -> _Logs:
        """Drop (and report once) a logged column without exactly one value per completion: it would shift the
        completions table against its rows."""
        for column, values in list(logs.extra.items()):
            if len(values) != expected:
                del logs.extra[column]
                self._warn_once(
                    f"log_extra {column!r}",
                    "reward %s logged %d values in column %r for %d completions: column dropped",
                    len(values),
                    column,
                    expected,
                )
        return logs

    def _report(self, index: int, error: Exception) -> None:
        text = str(error)[:200]  # an error may quote the completion: keep the line (and the key) short
        self._warn_once(
            f"{type(error).__name__}: {text}",
            "reward %s failed on completion %d, scored %s: %s: %s",
            index,
            self.penalty,
            type(error).__name__,
            text,
        )

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        """Each distinct problem once per process, not once per step."""
        if (self.__name__, key) not in _reported:
            _reported.add((self.__name__, key))
            log.warning(message, self.__name__, *args)


def _checked(scores: object, expected: int) -> list[float | None]:
    if not isinstance(scores, list | tuple) or len(scores) != expected:
        raise TypeError(f"a reward must return a list of {expected} numbers (or None), got {scores!r:.80}")
    values = [None if s is None else float(s) for s in scores]
    if any(v is not None and not math.isfinite(v) for v in values):
        raise ValueError(f"a reward returned a non-finite value: {values!r:.80}")
    return values


def _per_row(value: object, completions: list) -> bool:
    return isinstance(value, list) and len(value) == len(completions)
