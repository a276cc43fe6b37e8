"""The shape of candor/, read from its source: what depends on what (docs/architecture.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "candor"


def modules() -> dict[str, Path]:
    """Every module of candor/ by dotted name (migrations aside: Django imports them)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> Iterator[tuple[str, str, int]]:
    """(module, imported name, line) of every import in the file, at any depth (functions too).

    `module` is the candor module the statement loads: `from candor.core import links` loads
    candor.core.links; `from candor.core.services import post_update` loads candor.core.services.
    """
    known = modules()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                yield (
                    (child, "", node.lineno)
                    if child in known
                    else (
                        base,
                        alias.name,
                        node.lineno,
                    )
                )


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target, _, _ in imports(name, path):
            while target not in known and "." in target:
                target = target.rpartition(".")[0]
            if target in known and target != name:
                edges[name].add(target)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as [a, b, …, a], or [] when there is none."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_find_cycle_names_the_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert (find_cycle(edges), find_cycle({"a": {"b"}, "b": set()})) == (
        ["a", "b", "c", "a"],
        [],
    )


def test_no_import_cycle_in_candor():
    edges = graph()
    assert len(edges) > 50
    cycle = find_cycle(edges)
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_no_module_imports_another_modules_private_names():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name} from {module}"
        for module_name, path in modules().items()
        for module, name, line in imports(module_name, path)
        if module.startswith("candor") and name.startswith("_") and not name.startswith("__")
    ]
    assert found == []


# DESIGN §8: a file splits into a package before it passes ~600 lines (migrations are generated).
LONGEST = 600


def test_no_module_is_longer_than_a_newcomer_reads_at_once():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in modules().values()
        if (lines := len(path.read_text().splitlines())) > LONGEST
    }
    assert found == {}


SURFACES = ("candor/manage", "candor/api", "candor/public/subscriptions", "candor/views.py")


def surface_files() -> list[Path]:
    return [
        path
        for surface in SURFACES
        for path in (
            [ROOT / surface] if surface.endswith(".py") else (ROOT / surface).rglob("*.py")
        )
    ]


def test_surfaces_take_no_row_locks():
    # A rule that needs a lock (one declaration per submitted form) lives in its service.
    found = [
        str(path.relative_to(ROOT))
        for path in surface_files()
        if "select_for_update" in path.read_text()
    ]
    assert found == []


def test_service_errors_reach_forms_through_one_helper():
    # candor/forms.py: add_service_errors; the API turns them into its JSON in api/http.py.
    found = [
        str(path.relative_to(ROOT))
        for path in surface_files()
        if ".message_dict" in path.read_text() and path.name != "http.py"
    ]
    assert found == []
