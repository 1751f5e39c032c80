"""stacks/ reads as declarations: no function or constructor longer than a screen."""

import ast
from pathlib import Path

STACKS = Path(__file__).resolve().parents[2] / "stacks"
MAX_LINES = 50


def long_functions(source: str) -> list[tuple[str, int]]:
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > MAX_LINES
    ]


def test_no_function_in_stacks_is_longer_than_fifty_lines():
    found = {str(path.relative_to(STACKS)): long_functions(path.read_text()) for path in STACKS.rglob("*.py")}
    assert len(found) >= 10
    assert {path: functions for path, functions in found.items() if functions} == {}


def test_the_check_finds_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    assert long_functions(f"def builder():\n{body}\n") == [("builder", MAX_LINES + 1)]
