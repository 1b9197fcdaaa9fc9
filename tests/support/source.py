"""Python source parsed for the tests that read the package's code (tests/test_isolation.py, tests/test_texts.py)."""

import ast


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse`, once more if it fails for nothing in the source: CPython 3.11 can raise "AST constructor recursion
    depth mismatch" when another thread builds an AST at the same time (cpython gh-106905), as TensorFlow does when
    it traces a function in a background thread (the shipped models' warm-up)."""
    for attempt in range(3):
        try:
            return ast.parse(source, filename)
        except SystemError as error:
            if "recursion depth mismatch" not in str(error) or attempt == 2:
                raise
    raise AssertionError("unreachable")
