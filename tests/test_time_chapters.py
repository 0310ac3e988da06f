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


def test_save_dir_keeps_the_executed_notebook(tmp_path, monkeypatch):
    import nbformat

    book = tmp_path / "book"
    book.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, book / "00_tiny.ipynb")
    monkeypatch.setattr(time_chapters, "BOOK", book)
    seconds = time_chapters.time_chapter("00_tiny", timeout=120, save_dir=tmp_path / "out")
    assert seconds > 0
    executed = nbformat.read(tmp_path / "out" / "00_tiny.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "42\n"
    assert not nbformat.read(book / "00_tiny.ipynb", as_version=4).cells[0].outputs  # untouched
