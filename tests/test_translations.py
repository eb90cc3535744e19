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


def test_a_string_has_one_english_translation_across_catalogs():
    # Flask-Babel merges the catalogs into one, later ones (domains, alphabetically) overriding
    # earlier ones: the same Chinese string translated two ways shows whichever loads last.
    from babel.messages.pofile import read_po

    seen: dict[str, dict[str, str]] = {}
    for po in sorted(TOOLS.parent.glob("marketplace/**/translations/en/LC_MESSAGES/messages.po")):
        with po.open("rb") as f:
            for m in read_po(f):
                if m.id and isinstance(m.id, str) and m.string and not m.fuzzy:
                    seen.setdefault(m.id, {})[str(po.relative_to(TOOLS.parent))] = m.string
    clashes = [f"{msgid}: " + "; ".join(f"{po} → {s!r}" for po, s in where.items())
               for msgid, where in sorted(seen.items()) if len(set(where.values())) > 1]
    if clashes:
        pytest.fail(f"{len(clashes)} strings are translated differently in different catalogs "
                    "(use the same English, or a different Chinese source string):\n"
                    + "\n".join(clashes), pytrace=False)
