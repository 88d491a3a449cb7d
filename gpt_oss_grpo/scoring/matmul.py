"""Evaluate a candidate ``matmul(A, B)`` once, in one sandbox child, for all four matmul rewards.

One child per distinct piece of code runs: a smoke call, correctness trials on fresh random matrices of
varied shapes and element types, then timed trials on fresh n×n matrices. Every answer is checked here,
in the trainer's process, against NumPy; speed is the child's CPU time as the kernel counts it (the
child can neither fork nor start threads, so it cannot hide work), median of the trials.
"""

import base64
import math
import statistics
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from gpt_oss_grpo import sandbox
from gpt_oss_grpo.scoring.static_checks import CodeFacts, analyse

# (rows of A, cols of A = rows of B, cols of B, integer entries?)
CORRECTNESS_SHAPES = [(1, 1, 1, True), (2, 3, 4, False), (5, 1, 3, True), (9, 2, 3, False), (2, 7, 9, True),
                      (6, 6, 6, False), (12, 9, 5, True), (16, 16, 16, False)]  # fmt: skip
NAIVE = """
def matmul(A, B):
    n, k, m = len(A), len(B), len(B[0])
    C = [[0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            s = 0
            for p in range(k):
                s += A[i][p] * B[p][j]
            C[i][j] = s
    return C
"""
# correctness_check's grades: (largest error relative to the answer's scale, reward); the first counts as correct.
GRADES = ((1e-9, 10.0), (1e-6, 5.0), (1e-3, 1.0))
WRONG = -2.0
NUMPY = "import numpy\ndef matmul(A, B):\n    return (numpy.asarray(A) @ numpy.asarray(B)).tolist()\n"


@dataclass(frozen=True)
class MatmulReport:
    """Everything the four rewards need about one candidate."""

    facts: CodeFacts
    runs: bool = False  # the smoke call returned without raising or timing out
    error: float | None = None  # worst relative absolute error over all trials; None = some answer wrong
    cpu_ns: int | None = None  # median CPU time of the timed trials; None = not timed
    runtime_cheats: tuple[str, ...] = ()
    note: str = ""

    @property
    def grade(self) -> float:
        """correctness_check's score: the first of ``GRADES`` the error is within, else ``WRONG``."""
        if self.error is None:
            return WRONG
        return next((reward for tolerance, reward in GRADES if self.error <= tolerance), WRONG)

    @property
    def correct(self) -> bool:
        return self.error is not None and self.error <= GRADES[0][0]


def evaluate(code: str | None, trusted: bool = False) -> MatmulReport:
    """Run ``code`` through every trial in one sandbox child."""
    facts = analyse(code)
    if not facts.parses or not facts.defines_function("matmul"):
        return MatmulReport(facts, note="no parsable code defining matmul")
    rng = np.random.default_rng()
    with sandbox.start(code, "matmul", trusted=trusted) as child:
        if not child.loaded.message or not child.loaded.message.get("ok"):
            return MatmulReport(facts, note=_why(child.loaded))
        errors, cheats = [], set()
        smoke = _trial(child, np.array([[1, 2], [3, 4]]), np.array([[5, 6], [7, 8]]), errors, cheats)
        runs = bool(smoke.message) and not smoke.message.get("raised")
        for n, k, m, integer in CORRECTNESS_SHAPES if runs else []:
            _trial(child, _random(rng, n, k, integer), _random(rng, k, m, integer), errors, cheats)
        cpu = []
        if runs and None not in errors and (trusted or not facts.cheats):
            size = sandbox.settings().speed_matrix_size
            for _ in range(sandbox.settings().speed_trials):
                a, b = _random(rng, size, size, False), _random(rng, size, size, False)
                reply = _trial(child, a, b, trial := [], cheats)
                if reply.failure == "timed out":
                    break  # correct but too slow to time: no speed reward, correctness stands
                errors += trial
                if None in trial:
                    break
                cpu.append(reply.cpu_ns)
        worst = None if not errors or None in errors else max(errors)
        timed = len(cpu) == sandbox.settings().speed_trials and worst is not None
        note = "" if runs else _why(smoke)
        return MatmulReport(
            facts, runs, worst, int(statistics.median(cpu)) if timed else None, tuple(cheats), note
        )


def _trial(child: sandbox.Child, a: np.ndarray, b: np.ndarray, errors: list, cheats: set) -> sandbox.Reply:
    reply = child.request({"call": [a.tolist(), b.tolist()]})
    message = reply.message or {}
    cheats.update(f"imported {name} at run time" for name in message.get("foreign_modules", []))
    errors.append(result_error(_decode(message), a @ b) if message.get("ok") else None)
    return reply


def _decode(message: dict) -> object:
    """The child's result as plain data: raw doubles become a float array, anything else stays JSON."""
    if "f64" not in message:
        return message.get("result")
    try:
        rows, cols = (int(x) for x in message["shape"])
        return np.frombuffer(base64.b64decode(message["f64"], validate=True), dtype="<f8").reshape(rows, cols)
    except (TypeError, ValueError):
        return None


def result_error(result: object, expected: np.ndarray) -> float | None:
    """Largest absolute error relative to the answer's scale; None when the result is not a valid answer.

    Valid means: a plain list of plain lists of the right shape holding only finite ints/floats.
    """
    n, m = expected.shape
    if isinstance(result, np.ndarray):  # decoded from raw doubles: plain floats by construction
        return _error(result, expected) if result.shape == expected.shape else None
    if type(result) is not list or len(result) != n:
        return None
    for row in result:
        if type(row) is not list or len(row) != m:
            return None
        if not all(type(x) is int or type(x) is float for x in row):
            return None
    try:
        return _error(np.array(result, dtype=np.float64).reshape(n, m), expected)
    except (OverflowError, ValueError):
        return None


def _error(got: np.ndarray, expected: np.ndarray) -> float | None:
    if not np.isfinite(got).all():
        return None
    return float(np.max(np.abs(got - expected), initial=0.0)) / max(1.0, float(np.max(np.abs(expected))))


def _random(rng: np.random.Generator, rows: int, cols: int, integer: bool) -> np.ndarray:
    if integer:
        return rng.integers(-10, 11, size=(rows, cols))
    return rng.uniform(-10, 10, size=(rows, cols))


def _why(reply: sandbox.Reply) -> str:
    return reply.failure or str((reply.message or {}).get("error", ""))[:200]


_cache: OrderedDict[str | None, MatmulReport] = OrderedDict()
_lock = threading.Lock()
_CACHE_SIZE = 4096


def evaluate_many(codes: list[str | None]) -> list[MatmulReport]:
    """Reports for a batch, each distinct code evaluated once (concurrently) and remembered."""
    sandbox.protections()  # probe (and log) once, before any worker thread starts a child
    with _lock:
        todo = list(dict.fromkeys(c for c in codes if c not in _cache))
    with ThreadPoolExecutor(max_workers=sandbox.settings().workers) as pool:
        done = dict(zip(todo, pool.map(evaluate, todo), strict=True))
    with _lock:
        _cache.update(done)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return [done.get(c) or _cache[c] for c in codes]


@dataclass(frozen=True)
class References:
    naive_ns: int
    numpy_ns: int


_references: References | None = None


def references() -> References:
    """CPU time of the naive triple loop and of NumPy on the speed trials, measured once per process."""
    global _references
    with _lock:
        if _references is None:
            naive, fast = evaluate(NAIVE, trusted=True), evaluate(NUMPY, trusted=True)
            if naive.cpu_ns is None or fast.cpu_ns is None:
                raise RuntimeError(f"reference solutions failed to run: {naive.note or fast.note}")
            _references = References(naive.cpu_ns, max(fast.cpu_ns, 1))
        return _references


def clear_caches() -> None:
    """Forget cached reports and references (benchmarks use this to score the same code afresh)."""
    global _references
    with _lock:
        _cache.clear()
        _references = None


def speed_score(cpu_ns: int, refs: References) -> float:
    """5 at the naive loop's speed, 10 at NumPy's, log scale in between and beyond, clipped to [0, 10]."""
    span = max(math.log(refs.naive_ns / refs.numpy_ns), math.log(2))
    return min(10.0, max(0.0, 5.0 + 5.0 * math.log(refs.naive_ns / cpu_ns) / span))
