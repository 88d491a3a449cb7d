"""Cheap checks on candidate code (parse + AST), computed once per completion and shared by the rewards.

The AST scan is the first line of defence only: it names a trick so the cheat reward can pay -20. It can be
fooled (names built at run time), so nothing relies on it: the sandbox makes the same tricks fail (no
foreign code readable, no processes, signals, sockets or files). It flags only what could escape or reach
foreign code, so honest code (an unused `import time`, a variable called `input`, a `__main__` guard) is
never punished.
"""

import ast
import sys
from dataclasses import dataclass, field

# Standard-library modules that reach the OS, the interpreter's internals, native code or other processes.
ESCAPE_MODULES = frozenset({
    "_ctypes", "_posixsubprocess", "_socket", "_thread", "asyncio", "builtins", "code", "codeop",
    "concurrent", "ctypes", "faulthandler", "fcntl", "gc", "imp", "importlib", "inspect", "io", "marshal",
    "mmap", "multiprocessing", "os", "pathlib", "pickle", "posix", "pty", "resource", "runpy", "select",
    "selectors", "shutil", "signal", "site", "socket", "ssl", "subprocess", "sysconfig", "tempfile",
    "threading", "tracemalloc", "types", "weakref", "zipimport",
})  # fmt: skip
ESCAPE_CALLS = frozenset({
    "__import__", "breakpoint", "compile", "delattr", "eval", "exec", "exit", "getattr", "globals", "input",
    "locals", "open", "quit", "setattr", "vars", "attrgetter", "methodcaller",
})  # fmt: skip
# Attributes that lead from an object to frames, code, globals, the import system, the class graph, or to an
# escape module that an allowed module happens to hold (`random._os`, `dataclasses.sys`).
ESCAPE_ATTRS = frozenset({
    "__builtins__", "__class__", "__closure__", "__code__", "__dict__", "__globals__", "__import__",
    "__loader__", "__mro__", "__spec__", "__subclasses__", "__bases__", "__base__", "__getattribute__",
    "__reduce__", "__reduce_ex__", "__self__", "f_back", "f_builtins", "f_globals", "f_locals", "gi_frame",
    "cr_frame", "ag_frame", "tb_frame", "modules", "meta_path", "path_hooks", "_getframe", "settrace",
    "setprofile", "_current_frames", "attrgetter", "methodcaller",
})  # fmt: skip
_REEXPORTED = frozenset({
    "os", "sys", "builtins", "importlib", "imp", "subprocess", "ctypes", "posix", "gc", "marshal", "thread",
    "threading", "socket", "signal", "resource", "mmap", "inspect", "multiprocessing", "shutil", "bootstrap",
})  # fmt: skip
_DYNAMIC_TARGETS = frozenset(
    {"numpy", "torch", "scipy", "ctypes", "importlib", "subprocess", "os", "sys", "gc"}
)


@dataclass(frozen=True)
class CodeFacts:
    """What the static pass learnt about one piece of code."""

    code: str | None
    parses: bool = False
    defines: frozenset[str] = frozenset()
    cheats: tuple[str, ...] = field(default_factory=tuple)

    def defines_function(self, name: str) -> bool:
        """Whether the module binds ``name`` at its top level (a def, a lambda, inside `try`/`if`...); whether it
        is callable is for the run to tell."""
        return name in self.defines


def analyse(code: str | None) -> CodeFacts:
    """Parse ``code``, list its module-level names and every escape trick found (empty = clean)."""
    if code is None:
        return CodeFacts(code=None)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return CodeFacts(code=code)
    try:
        return CodeFacts(code=code, parses=True, defines=_module_names(tree), cheats=tuple(_cheats(tree)))
    except RecursionError:  # a pathologically nested tree: nothing to run honestly
        return CodeFacts(code=code, parses=True, cheats=("nested too deeply to check",))


def _module_names(tree: ast.Module) -> frozenset[str]:
    """Names bound at module level, also inside if/try/with/for blocks (not inside functions or classes)."""
    names, pending = set(), list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            elif isinstance(child, ast.stmt | ast.excepthandler | ast.match_case | ast.expr):
                pending.append(child)
    return frozenset(names)


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds somewhere: a variable, parameter, function, class or import alias."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return bound


def _cheats(tree: ast.AST) -> list[str]:
    found: list[str] = []
    shadowed = _bound_names(tree)  # `input = [...]` is the candidate's own variable, not the builtin
    modules = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store | ast.Del)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"patches {node.value.id}.{node.attr}")  # e.g. replacing time.perf_counter
        if isinstance(node, ast.Import):
            found += [_module_issue(alias.name) for alias in node.names if _module_issue(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            issue = "relative import" if node.level else _module_issue(node.module or "")
            if issue:
                found.append(issue)
        elif (
            isinstance(node, ast.Name)
            and node.id in ESCAPE_CALLS | {"__builtins__"}
            and node.id not in shadowed
        ):
            found.append(f"uses {node.id}")
        elif isinstance(node, ast.Attribute) and (
            node.attr in ESCAPE_ATTRS or node.attr.lstrip("_") in _REEXPORTED
        ):
            found.append(f"accesses .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _mentions_escape(node.value):
            found.append(f"string names an escape: {node.value[:40]!r}")
    return found


def _module_issue(name: str) -> str:
    top = name.split(".")[0]
    if top not in sys.stdlib_module_names:
        return f"imports non-stdlib module {name}"
    if top in ESCAPE_MODULES:
        return f"imports {name}"
    return ""


def _mentions_escape(text: str) -> bool:
    """A string that is exactly a forbidden module or an escape attribute only matters for a dynamic lookup:
    flag it anyway. Kept exact ("__main__", or "time" in an error message, are fine)."""
    word = text.strip()
    return word in _DYNAMIC_TARGETS or word in ESCAPE_ATTRS or word == "__import__"
