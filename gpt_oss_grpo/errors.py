"""The one exception type for bad user input, and how every entry point reports it: one line, exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence


class ConfigError(ValueError):
    """A problem with the user's input, reported as one line: where, what is wrong, what is allowed."""


def run_main(
    main: Callable[[Sequence[str]], object],
    argv: Sequence[str],
    expected: tuple[type[Exception], ...] = (),
) -> int:
    """Run an entry point's ``main(argv)`` and return its exit code, never a traceback for bad input.

    A ``ConfigError`` (or one of ``expected``, the entry point's own user-facing errors such as a missing file)
    prints ``error: <first line>`` and exits 2; Ctrl-C exits 130. Anything else is a bug and keeps its traceback.
    """
    try:
        main(argv)
    except (ConfigError, *expected) as error:
        message = str(error).strip().splitlines() or [type(error).__name__]
        print(f"error: {message[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
