"""Translation catalogs: one shared, one per domain (see docs/architecture.md, "Languages").

  python tools/i18n.py update [DOMAIN|shared]   extract strings, add new ones to the .po
  python tools/i18n.py compile  build the .mo files (generated, not committed)
  python tools/i18n.py check    list strings without an English translation; exit 1 if any

Source strings are Chinese (the default language); English is the translation.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "marketplace"
TEMPLATES = ROOT / "templates"
LOCALES = ["en"]


def catalogs() -> dict[Path, list[Path]]:
    """Translation directory -> source paths whose strings it holds."""
    shared = [p for p in PKG.glob("*.py")] + [PKG / "core"]
    shared += [p for p in TEMPLATES.glob("*.html")] + [TEMPLATES / "errors"]
    result = {PKG / "translations": shared}
    for domain in sorted(p for p in PKG.iterdir() if (p / "__init__.py").exists()):
        if domain.name == "core":
            continue
        templates = TEMPLATES / domain.name
        sources = [domain] + ([templates] if templates.exists() else [])
        result[domain / "translations"] = sources
    return result


def _pybabel(*args: str) -> None:
    exe = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(exe), "-q", *args], check=True, cwd=ROOT)


def extract(sources: list[Path], pot: Path) -> None:
    existing = [str(p.relative_to(ROOT)) for p in sources if p.exists()]
    _pybabel("extract", "-F", "babel.cfg", "--no-location", "--sort-output",
             "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), *existing)


def update(only: str | None = None) -> None:
    """Update every catalog, or only one domain's ('shared' for the shared one)."""
    with tempfile.TemporaryDirectory() as tmp:
        for directory, sources in catalogs().items():
            name = "shared" if directory == PKG / "translations" else directory.parent.name
            if only and name != only:
                continue
            pot = Path(tmp) / "messages.pot"
            extract(sources, pot)
            with pot.open("rb") as f:
                if not [m for m in read_po(f) if m.id]:
                    continue
            for locale in LOCALES:
                po = directory / locale / "LC_MESSAGES" / "messages.po"
                if po.exists():
                    _pybabel("update", "-i", str(pot), "-d", str(directory), "-l", locale,
                             "--no-fuzzy-matching", "--ignore-obsolete")
                else:
                    _pybabel("init", "-i", str(pot), "-d", str(directory), "-l", locale)
                print(f"updated {po.relative_to(ROOT)}")


def compile_all() -> None:
    for directory in catalogs():
        if directory.exists():
            _pybabel("compile", "-d", str(directory), "--use-fuzzy")


def missing() -> list[str]:
    """'catalog: msgid' for every extracted string lacking an English translation."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for directory, sources in catalogs().items():
            pot = Path(tmp) / "messages.pot"
            extract(sources, pot)
            with pot.open("rb") as f:
                wanted = [m for m in read_po(f) if m.id]
            if not wanted:
                continue
            for locale in LOCALES:
                po = directory / locale / "LC_MESSAGES" / "messages.po"
                translated = {}
                if po.exists():
                    with po.open("rb") as f:
                        for m in read_po(f):
                            ok = all(m.string) if isinstance(m.string, tuple) else bool(m.string)
                            if m.id and ok and not m.fuzzy:
                                translated[m.id] = m.string
                for m in wanted:
                    if m.id not in translated:
                        name = po.relative_to(ROOT)
                        problems.append(f"{name}: {m.id if isinstance(m.id, str) else m.id[0]}")
    return problems


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update(sys.argv[2] if len(sys.argv) > 2 else None)
    elif command == "compile":
        compile_all()
    elif command == "check":
        problems = missing()
        print("\n".join(problems) or "every string has an English translation")
        sys.exit(1 if problems else 0)
    else:
        sys.exit(__doc__)
