"""The domains stand in layers (marketplace.DOMAINS, lowest first): a module imports only its
own domain and those below it, never the app's wiring; a lower domain that needs a higher one
offers a registry instead (docs/architecture.md, "Layers"). Read from the source, so imports
inside functions count too."""
from __future__ import annotations

import ast
from pathlib import Path

from marketplace import DOMAINS, domain_name

PACKAGE = Path(__file__).resolve().parents[1] / "marketplace"
LAYERS = [domain_name(d) for d in DOMAINS]
CORE_MODULES = {"extensions", "config"}  # count as core
WIRING = "the app's wiring"  # marketplace/__init__.py, web.py, demo.py


def _domain_modules() -> list[tuple[str, Path]]:
    """(domain, path) of every module inside a domain's folder."""
    return [(path.relative_to(PACKAGE).parts[0], path)
            for path in sorted(PACKAGE.glob("*/**/*.py"))]


def _imported(node: ast.AST) -> list[str]:
    """The project modules an import names ('marketplace.rounds.models', 'marketplace.web')."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.startswith("marketplace")]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
            and node.module.split(".")[0] == "marketplace":
        if node.module == "marketplace":  # `from marketplace import rounds`
            return [f"marketplace.{alias.name}" for alias in node.names]
        return [node.module]
    return []


def _layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return WIRING
    top = parts[1]
    if top in CORE_MODULES:
        return "core"
    return top if top in LAYERS else WIRING


def _imports(path: Path):
    """(line, module, inside a function or class) of each project import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        for module in _imported(node):
            yield node.lineno, module, id(node) not in top_level


def test_domains_are_the_folders_under_marketplace():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert len(LAYERS) == len(set(LAYERS)), "a domain is listed twice in DOMAINS"
    assert set(LAYERS) == folders


def test_no_module_imports_a_higher_domain_or_the_wiring():
    wrong = []
    for domain, path in _domain_modules():
        for line, module, _nested in _imports(path):
            target = _layer_of(module)
            if target == WIRING:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module} (wiring)")
            elif LAYERS.index(target) > LAYERS.index(domain):
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module} "
                             f"({target} stands above {domain})")
    assert wrong == []


def test_project_modules_are_imported_at_the_top_unless_a_comment_says_why():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, module, nested in _imports(path):
            said_why = "#" in lines[line - 1] or lines[line - 2].strip().startswith("#")
            if nested and not said_why:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert wrong == []


def test_an_upward_import_is_caught(tmp_path):
    """The check itself: a lower domain's module importing a higher one is found."""
    module = tmp_path / "policy.py"
    module.write_text("def f():\n    from marketplace.review.policy import can_score\n")
    [(line, imported, nested)] = list(_imports(module))
    assert (line, imported, nested) == (2, "marketplace.review.policy", True)
    assert LAYERS.index(_layer_of(imported)) > LAYERS.index("applications")
    assert _layer_of("marketplace.web") == WIRING
    assert _layer_of("marketplace.extensions") == "core"
