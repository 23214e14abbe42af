"""Run every ```python block of docs/*.md in order, so documentation cannot drift from the code."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _doc_pages() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if _BLOCK.search(p.read_text()))


@pytest.mark.parametrize("page", _doc_pages(), ids=lambda p: p.name)
def test_doc_code_runs(page: Path) -> None:
    module = types.ModuleType(f"docs_{page.stem}")  # dataclasses need a real module
    sys.modules[module.__name__] = module
    try:
        for i, block in enumerate(_BLOCK.findall(page.read_text())):
            code = compile(block, f"{page.name}[block {i + 1}]", "exec")
            exec(code, module.__dict__)  # noqa: S102 - the documentation is our own code
    finally:
        del sys.modules[module.__name__]
