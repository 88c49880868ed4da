"""The layers of DESIGN.md, checked on the source: imports point down only, services never import
Reflex, state classes never touch SQL or Stripe, pages and components only lay out state."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bookmyseat"

# Per layer, the imports it must not make (a module or anything under it).
FORBIDDEN = {
    "services": ("reflex", "bookmyseat.state", "bookmyseat.pages", "bookmyseat.components",
                 "bookmyseat.bookmyseat", "bookmyseat.api", "bookmyseat.server"),
    # Running the process: below the routes and the UI, above the business.
    "server": ("bookmyseat.state", "bookmyseat.pages", "bookmyseat.components",
               "bookmyseat.bookmyseat", "bookmyseat.api"),
    "state": ("sqlalchemy", "sqlmodel", "stripe", "bookmyseat.db", "bookmyseat.pages",
              "bookmyseat.components"),
    "pages": ("sqlalchemy", "sqlmodel", "stripe", "bookmyseat.db", "bookmyseat.services",
              "bookmyseat.models", "bookmyseat.server"),
    "components": ("sqlalchemy", "sqlmodel", "stripe", "bookmyseat.db", "bookmyseat.services",
                   "bookmyseat.models", "bookmyseat.pages", "bookmyseat.server"),
}  # fmt: skip


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def violations(source: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in imported_modules(source)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def modules_of(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def test_the_checker_catches_an_upward_import() -> None:
    source = (
        "import reflex as rx\nfrom bookmyseat.state import auth\nfrom sqlalchemy import select\n"
    )
    assert violations(source, FORBIDDEN["services"]) == [
        "bookmyseat.state",
        "bookmyseat.state.auth",
        "reflex",
    ]
    assert violations(source, FORBIDDEN["state"]) == ["sqlalchemy", "sqlalchemy.select"]
    assert violations("from bookmyseat import services\n", FORBIDDEN["pages"]) == [
        "bookmyseat.services"
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_down_only(layer: str) -> None:
    found = {
        str(path.relative_to(PACKAGE)): bad
        for path in modules_of(layer)
        if (bad := violations(path.read_text(), FORBIDDEN[layer]))
    }
    assert modules_of(layer), f"no modules found under {layer}/"
    assert found == {}


def test_every_domain_package_says_what_it_owns() -> None:
    packages = [p for p in (PACKAGE / "services").iterdir() if (p / "__init__.py").exists()]
    assert len(packages) >= 8
    for package in packages:
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert docstring and len(docstring) > 40, f"{package.name}/__init__.py needs a docstring"


def test_money_is_formatted_in_one_place() -> None:
    """Only services/money.py groups digits or writes the rupee sign."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "money.py" and ("₹{" in path.read_text() or ":,}" in path.read_text())
    ]
    assert offenders == []
