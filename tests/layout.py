"""The dependencies between the project's top-level packages, read from their imports.

Every module is parsed (nothing is imported or run) and its imports collected, those inside
functions too: a deferred import is still a dependency. Test modules and migrations are
left out. tests/test_architecture.py holds the layout's rules against these edges;

    python -m tests.layout

prints the graph, one line per edge with its number of import statements.
"""

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "config", "accounts", "activity", "social", "teams", "auditing")

# (imported module, imported name or None, "path:line module[.name]")
Use = tuple[str, str | None, str]


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield package, path


def _imports(path: Path, *, attributes: bool) -> Iterator[tuple[str, str | None, int]]:
    """(module, name or None, line) for every import in the file, and for attribute uses of a
    plainly imported top-level package (`import auditing` ... `auditing.record_bulk`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    plain = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
                if "." not in alias.name and alias.asname is None:
                    plain.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name, node.lineno
    if not attributes:
        return
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in plain
        ):
            yield node.value.id, node.attr, node.lineno


def edges(*, attributes: bool = True) -> dict[tuple[str, str], list[Use]]:
    """{(importing package, imported package): the uses}; with `attributes`, the names used
    of a plainly imported package count as uses too."""
    found: dict[tuple[str, str], list[Use]] = defaultdict(list)
    for package, path in _modules():
        for module, name, line in _imports(path, attributes=attributes):
            target = module.split(".")[0]
            if target in PACKAGES and target != package:
                where = f"{path.relative_to(ROOT)}:{line} {module}{'.' + name if name else ''}"
                found[(package, target)].append((module, name, where))
    return found


def main() -> None:
    for (source, target), uses in sorted(edges(attributes=False).items()):
        statements = {where.split(" ")[0] for *_, where in uses}
        print(f"{source} -> {target}: {len(statements)}")


if __name__ == "__main__":
    main()
