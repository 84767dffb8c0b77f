"""Reading a CSV table of songs: the one reader behind the catalog and every importer.

* Encoding: UTF-8, with or without the byte-order mark Excel writes in front of "CSV UTF-8";
  UTF-16 is recognised by its byte-order mark and refused with what to do, as is any other
  encoding (with the line of the first bad byte).
* Header: the first non-blank record; the columns asked for are found case- and space-blind,
  each exactly once.
* Rows: every non-blank record with the physical line it starts on (the header is line 1), its
  cells stripped and keyed by the column names asked for.

What a row gets wrong is a problem ``FILE line N: reason``. A lenient table (the importers')
collects its problems and reads on; a strict one (our curated catalog's) raises the first as a
CatalogError. A file that is not a table at all (missing, not UTF-8, empty, a column lacking)
is a CatalogError either way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from moodtunes.errors import CatalogError

# Files at least this big get a progress bar when `progress` is None.
PROGRESS_MIN_BYTES = 5 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # all but tab


@dataclass(frozen=True)
class Row:
    """One usable record: the physical line it starts on, and its stripped cells by column."""

    line: int
    cells: dict[str, str]


def read_table(
    path: str | PathLike[str],
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    *,
    strict: bool = False,
    progress: bool | None = None,
) -> Table:
    """The table in the file at `path` (see the module docstring), its header already read."""
    file = Path(path)
    return parse_table(read_bytes(file), file.name, required, optional, strict=strict,
                       progress=progress)


def parse_table(
    data: bytes,
    name: str,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    *,
    strict: bool = False,
    progress: bool | None = None,
) -> Table:
    """The table in `data`, a file called `name`. A progress bar shows while reading it when
    `progress` says so, or when None and the file has at least `PROGRESS_MIN_BYTES`."""
    if not data.strip():
        raise CatalogError(f"{name} is empty")
    text = decode(data, name)
    show = len(data) >= PROGRESS_MIN_BYTES if progress is None else progress
    return Table(text, name, required, optional, strict=strict, progress=show)


class Table:
    """A CSV table being read. Iterating gives the usable `Row`s; the others become
    `problems` (or, when strict, a CatalogError). `rows` counts every data record read so far,
    usable or not. A caller with its own reason to skip a row says so with `problem`."""

    def __init__(
        self,
        text: str,
        name: str,
        required: tuple[str, ...],
        optional: tuple[str, ...],
        *,
        strict: bool,
        progress: bool,
    ) -> None:
        self.name = name
        self.strict = strict
        self.problems: list[str] = []
        self.rows = 0
        self._bar = _progress_bar(len(text), name, progress)
        self._records = _records(text, self._bar)
        header = next(self._records, None)
        if header is None:
            self._bar.close()
            raise CatalogError(f"{name} is empty")
        line, cells = header
        if isinstance(cells, str):
            self._bar.close()
            raise CatalogError(f"{name} line {line}: the header is not valid CSV ({cells})")
        self.header = cells
        try:
            self.columns = _columns(cells, name, required, optional)
        except CatalogError:
            self._bar.close()
            raise

    def error(self, line: int, reason: str) -> CatalogError:
        """The error for what is wrong on `line`, to raise."""
        return CatalogError(f"{self.name} line {line}: {reason}")

    def problem(self, line: int, reason: str) -> None:
        """Records what is wrong on `line`; raises it instead when the table is strict."""
        if self.strict:
            raise self.error(line, reason)
        self.problems.append(f"{self.name} line {line}: {reason}")

    def __iter__(self) -> Iterator[Row]:
        width = len(self.header)
        try:
            for line, record in self._records:
                self.rows += 1
                if isinstance(record, str):
                    self.problem(line, f"not valid CSV ({record})")
                    continue
                if len(record) != width:
                    self.problem(line, f"expected {width} fields, found {len(record)}")
                    continue
                cells = {column: record[i].strip() for column, i in self.columns.items()}
                garbled = next((c for c, value in cells.items() if _CONTROL.search(value)), None)
                if garbled is not None:
                    self.problem(line, f"{garbled} holds a line break or a control character "
                                       "(an unclosed quote?)")
                    continue
                yield Row(line, cells)
        finally:
            self._bar.close()
        if self.rows == 0:
            raise CatalogError(f"{self.name} has a header but no rows")


def read_bytes(file: Path) -> bytes:
    """The file's bytes; CatalogError when it is missing or cannot be read."""
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise CatalogError(f"{file} does not exist") from None
    except OSError as err:
        raise CatalogError(f"{file} cannot be read: {err.strerror or err}") from err


def decode(data: bytes, name: str) -> str:
    """A file's bytes as text (see the module docstring); CatalogError if not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CatalogError(f"{name} is UTF-16 text; save it as CSV UTF-8")
    # utf-8-sig drops the byte-order mark that Excel writes in front of "CSV UTF-8" files.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise CatalogError(
            f"{name} is not UTF-8 text (line {line}, bad byte at offset {err.start}); "
            "save it as CSV UTF-8"
        ) from err


def read_header(path: str | PathLike[str]) -> list[str]:
    """The first non-blank CSV record of a file, read without loading a large file whole."""
    file = Path(path)
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                if any(cell.strip() for cell in row):
                    return row
    except FileNotFoundError:
        raise CatalogError(f"{file} does not exist") from None
    except UnicodeDecodeError as err:
        raise CatalogError(f"{file.name} is not UTF-8 text; save it as CSV UTF-8") from err
    except csv.Error as err:
        raise CatalogError(f"{file.name} line 1: not valid CSV ({err})") from err
    except OSError as err:
        raise CatalogError(f"{file} cannot be read: {err.strerror or err}") from err
    raise CatalogError(f"{file.name} is empty")


def _records(text: str, bar: _Bar) -> Iterator[tuple[int, list[str] | str]]:
    """The non-blank CSV records, each with the physical line it starts on; a record the csv
    module cannot parse comes as its error message, and reading goes on after it."""
    # newline="" hands "\r\n" to the csv module, which is what reads Windows line ends right.
    reader = csv.reader(_counted(io.StringIO(text, newline=""), bar))
    last = 0  # the last physical line read
    while True:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            last = reader.line_num
            yield start, str(err)
            continue
        last = reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row


def _columns(
    header: list[str], name: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> dict[str, int]:
    """Where each required column, and each optional one present, sits in the header
    (matched case- and space-blind); CatalogError if one is missing or appears twice."""

    def norm(column: str) -> str:
        return column.strip().casefold()

    positions: dict[str, list[int]] = {}
    for i, cell in enumerate(header):
        positions.setdefault(norm(cell), []).append(i)
    missing = [column for column in required if norm(column) not in positions]
    if missing:
        raise CatalogError(
            f"{name} lacks the column(s) {', '.join(missing)}; "
            f"its header is {','.join(header)!r}, expected {','.join(required)}"
        )
    wanted = [*required, *(column for column in optional if norm(column) in positions)]
    repeated = [column for column in wanted if len(positions[norm(column)]) > 1]
    if repeated:
        raise CatalogError(f"{name} has the column(s) {', '.join(repeated)} more than once")
    return {column: positions[norm(column)][0] for column in wanted}


# --- progress -------------------------------------------------------------------------------


class _Bar:
    """What the reader needs of a progress bar; this one shows nothing."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, name: str, show: bool) -> _Bar:
    """A tqdm bar over the file's characters when asked for and tqdm is installed (it comes
    with the train extra), else a silent one."""
    if show:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            bar: _Bar = tqdm(total=total, desc=name, unit="char", unit_scale=True, leave=False)
            return bar
    return _Bar()


def _counted(lines: Iterator[str], bar: _Bar) -> Iterator[str]:
    # Updated in batches: a tqdm call per line would cost more than parsing it.
    pending = 0
    for line in lines:
        pending += len(line)
        if pending >= 1 << 16:
            bar.update(pending)
            pending = 0
        yield line
    bar.update(pending)
