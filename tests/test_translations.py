"""Every user-facing string has an English translation (the page must work in English)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def _i18n():
    spec = importlib.util.spec_from_file_location("i18n_tool", TOOLS / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_string_has_an_english_translation():
    missing = _i18n().missing()
    if missing:
        pytest.fail(f"{len(missing)} strings lack an English translation (fill in msgstr, remove "
                    "'#, fuzzy', run tools/i18n.py compile):\n" + "\n".join(missing),
                    pytrace=False)
