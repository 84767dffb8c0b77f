"""The `moodtunes` command: serve, detect, evaluate, train, export, catalog, recommend, db.

Each command group lives in its own module (`serve`, `vision`, `training`, `catalog`,
`recommend`, `db`), which adds its subcommands to the parser and imports what it needs only
when it runs, so `moodtunes --help` is quick and never needs torch.

Exit codes, the same for every command:

  0    done.
  1    the work was tried and failed, at least in part: an image that does not decode, a table
       that does not import, a training run or export that fails, a report that cannot be
       written. A command given several inputs still processes the others.
  2    bad usage or input, found before the work began: a wrong flag or value (argparse's own
       code for usage errors), a file that is missing or does not load (a model, data, a
       settings file, playlists), a database that cannot be opened or upgraded, a missing
       extra; and `serve` when it cannot start.
  130  interrupted (Ctrl+C), except `serve`, for which Ctrl+C is the way to stop: 0.

A closed output pipe (`moodtunes ... | head`) is not an error and ends with 0.

`main` is the one error boundary: commands raise `cli.errors.UsageError` or `CommandFailed`,
or let a `MoodtunesError`, `ValueError` or `FileNotFoundError` (bad input, by the house's
convention) through, and `main` prints it as one `error: ...` line on stderr, never a
traceback. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from moodtunes.cli import catalog, db, recommend, serve, training, vision
from moodtunes.cli.errors import INTERRUPTED, OK, USAGE, CommandError
from moodtunes.errors import MoodtunesError

DESCRIPTION = "Watches a face, recognises the emotion, and plays music that fits it."


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; each sets `run`, the function that carries it out."""
    parser = argparse.ArgumentParser(prog="moodtunes", description=DESCRIPTION,
                                     epilog="exit codes: 0 done, 1 the work failed, 2 bad "
                                     "usage or input, 130 interrupted")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (training, serve, vision, catalog, recommend, db):
        group.add_parsers(sub)
    return parser


def _error(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (argparse exits with 2 itself on bad usage)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CommandError as exc:
        return _error(exc.message, exc.exit_code)
    except MoodtunesError as exc:
        return _error(exc.message, USAGE)
    except (ValueError, FileNotFoundError) as exc:  # bad input, as library code reports it
        return _error(str(exc), USAGE)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader is gone; point stdout at nothing so the final flush cannot fail again.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout without a file descriptor (captured)
            pass
        return OK
