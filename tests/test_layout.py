"""The package reads as its pipeline: imports run one way with no circle, no module grows past what a
newcomer can read, and every public function says in a line what it does."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"
MODULES = {p.stem: p for p in PACKAGE.glob("*.py")}
MAX_LINES = 450
# The records, settings and errors every stage shares; they import no stage.
FOUNDATIONS = {"records", "settings", "errors", "terms", "metrics", "minilm"}
# The serving layer: the chat page, the command line and the entry point. No pipeline stage imports it.
SERVE = {"ui", "cli", "__main__", "views", "library"}


def _imports(path: Path) -> set[str]:
    """The modules of the package that a module imports anywhere in it (top level, in functions, or for
    type checking only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").startswith("assistant")):
            parts = (node.module or "").split(".")
            name = parts[0] if node.level == 1 else (parts[1] if len(parts) > 1 else "")
            found.update([name] if name else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("assistant."))
    return found & set(MODULES)


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _cycle() -> list[str]:
    """One import cycle in the package, as the modules along it, or [] when there is none."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return []

    for name in sorted(GRAPH):
        if name not in state and (found := visit(name, [name])):
            return found
    return []


def test_the_package_has_no_import_cycle() -> None:
    assert _cycle() == [], " -> ".join(_cycle())


def test_the_cycle_check_finds_a_cycle_when_there_is_one() -> None:
    GRAPH["records"].add("answer")
    try:
        found = _cycle()
    finally:
        GRAPH["records"].discard("answer")
    assert found and found[0] == found[-1] and "records" in found and "answer" in found


def test_shared_records_and_settings_import_no_stage_and_no_stage_imports_the_serving_layer() -> None:
    for name in FOUNDATIONS:
        assert GRAPH[name] <= FOUNDATIONS, f"{name} imports {sorted(GRAPH[name] - FOUNDATIONS)}"
    for name, deps in GRAPH.items():
        if name not in SERVE | {"pipeline", "trace"}:
            assert not deps & (SERVE | {"pipeline"}), f"{name} imports {sorted(deps & (SERVE | {'pipeline'}))}"


def test_no_module_is_longer_than_a_newcomer_can_read() -> None:
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in MODULES.items()}
    assert {n: k for n, k in long.items() if k > MAX_LINES} == {}


def test_every_public_function_and_class_has_a_docstring() -> None:
    missing = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if ast.get_docstring(tree) is None:
            missing.append(name)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                if ast.get_docstring(node) is None:
                    missing.append(f"{name}.{node.name}")
    assert missing == []


def test_every_test_module_has_a_name_of_its_own() -> None:
    """pytest imports test modules by their base name (tests/ and eval/ have no __init__.py): two files
    named alike in the two folders stop the whole run at collection."""
    root = Path(__file__).resolve().parents[1]
    names = [p.name for folder in ("tests", "eval") for p in (root / folder).glob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
