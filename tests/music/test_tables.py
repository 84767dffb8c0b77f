"""The one CSV reader behind the catalog and the importers."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from moodtunes.errors import CatalogError
from moodtunes.music.tables import Row, parse_table, read_header, read_table

TEXT = (
    "\ufeff Title ,ARTIST,Extra\r\n"  # 1: columns found case- and space-blind
    "Song,Band,x\r\n"  # 2
    "\r\n"  # 3: blank, not a row
    '"Two\r\nLines",Band,x\r\n'  # 4-5: one record over two lines
    "Short,Band\r\n"  # 6
    "  Padded  , Band ,x\r\n"  # 7
)


def test_rows_come_with_their_physical_line_and_stripped_cells() -> None:
    table = parse_table(TEXT.encode(), "t.csv", ("title", "artist"))
    assert table.columns == {"title": 0, "artist": 1}
    rows = list(table)
    assert rows == [
        Row(2, {"title": "Song", "artist": "Band"}),
        Row(7, {"title": "Padded", "artist": "Band"}),
    ]
    assert table.problems == [
        "t.csv line 4: title holds a line break or a control character (an unclosed quote?)",
        "t.csv line 6: expected 3 fields, found 2",
    ]
    assert table.rows == 4  # every data record, usable or not


def test_a_caller_adds_its_own_problems_in_line_order() -> None:
    table = parse_table(TEXT.encode(), "t.csv", ("title", "artist"))
    for row in table:
        if row.cells["title"] == "Song":
            table.problem(row.line, "not wanted")
    assert [p.split(":")[0] for p in table.problems] == [
        "t.csv line 2", "t.csv line 4", "t.csv line 6"]


def test_a_strict_table_raises_its_first_problem() -> None:
    table = parse_table(TEXT.encode(), "t.csv", ("title", "artist"), strict=True)
    with pytest.raises(CatalogError, match=re.escape("t.csv line 4: title holds a line break")):
        list(table)
    with pytest.raises(CatalogError, match="t.csv line 9: no good"):
        table.problem(9, "no good")
    assert isinstance(table.error(3, "bad"), CatalogError)


def test_optional_columns_are_given_when_present() -> None:
    table = parse_table(TEXT.encode(), "t.csv", ("title",), ("extra", "mood"))
    assert table.columns == {"title": 0, "extra": 2}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "t.csv is empty"),
        (b" \r\n\n", "t.csv is empty"),
        (b"\xef\xbb\xbf\n", "t.csv is empty"),
        (b"title,artist\n", "t.csv has a header but no rows"),
        (b"title,artist\n\n\n", "t.csv has a header but no rows"),
        ("title,artist\n".encode("utf-16"), "t.csv is UTF-16 text; save it as CSV UTF-8"),
        (b"title,artist\nA,B\nCaf\xe9,B\n", "t.csv is not UTF-8 text (line 3, bad byte"),
        (b"title\nA\n", "t.csv lacks the column(s) artist; its header is 'title'"),
        (b"title,Artist,artist\nA,B,C\n", "t.csv has the column(s) artist more than once"),
        (b"x" * (csv.field_size_limit() + 1) + b"\n", "t.csv line 1: the header is not valid CSV"),
    ],
)
def test_what_is_not_a_table_is_a_catalog_error(data: bytes, message: str) -> None:
    with pytest.raises(CatalogError, match=re.escape(message)):
        list(parse_table(data, "t.csv", ("title", "artist")))


def test_read_table_and_read_header_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "songs.csv"
    path.write_text("\ufeff\n\ntitle,artist\nSong,Band\n", encoding="utf-8")
    assert read_header(path) == ["title", "artist"]
    assert [row.line for row in read_table(path, ("title", "artist"))] == [4]
    for reader in (read_header, lambda p: read_table(p, ("title",))):
        with pytest.raises(CatalogError, match=r"absent\.csv does not exist"):
            reader(tmp_path / "absent.csv")
        with pytest.raises(CatalogError, match="cannot be read"):
            reader(tmp_path)
