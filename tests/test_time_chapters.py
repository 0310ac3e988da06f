"""tools/time_chapters.py: it times the chapters the book builds, in book order."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_chapters

ROOT = Path(__file__).resolve().parents[1]


def test_chapters_are_the_books_notebooks_in_order():
    names = time_chapters.chapter_names()
    assert sorted(names) == sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    assert names == sorted(names), "the table of contents should list chapters in number order"


def test_unknown_chapter_is_a_clear_error():
    with pytest.raises(SystemExit, match="no notebook .*99_nothing.ipynb: known chapters are"):
        time_chapters.time_chapter("99_nothing", timeout=10)
