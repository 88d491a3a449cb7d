"""The one exception type that train.py turns into a one-line message and exit code 2."""


class ConfigError(ValueError):
    """A problem with the user's input, reported as one line: where, what is wrong, what is allowed."""
