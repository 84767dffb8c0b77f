"""The exit codes of `moodtunes` and the errors commands raise to end with one of them."""

from __future__ import annotations

OK = 0
FAILED = 1  # the work was tried and failed, at least in part
USAGE = 2  # bad usage or input, found before the work began
INTERRUPTED = 130  # Ctrl+C (128 + SIGINT, as shells report it)


class CommandError(Exception):
    """Ends a command with `exit_code` and its message as one `error: ...` line on stderr."""

    exit_code = FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(CommandError):
    """The command cannot start: a wrong flag or value, an input that is missing or does not
    load, a database that cannot be opened, an extra that is not installed."""

    exit_code = USAGE


class CommandFailed(CommandError):
    """The command started and its work failed."""

    exit_code = FAILED


def missing_extra(command: str, exc: ImportError) -> UsageError:
    """The error for a command whose optional dependencies are not installed."""
    return UsageError(f"moodtunes {command} needs the training extra ({exc}); "
                      "install it with: pip install 'moodtunes[train]'")
