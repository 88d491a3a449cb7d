"""Evaluate a candidate ``matmul(A, B)`` once, in one sandbox child, for all four matmul rewards.

One child per distinct piece of code runs: a smoke call, correctness trials on fresh random matrices of
varied shapes and element types, then timed trials on fresh n×n matrices. Every answer is checked here,
in the trainer's process, against NumPy; speed is the child's CPU time as the kernel counts it (the
child can neither fork nor start threads, so it cannot hide work). Each timed trial is interleaved with
the naive loop on the same matrices in a trusted reference child pinned to the same CPU, and NumPy's
speed is measured the same way once per reference child, so the score is a ratio taken under the same
conditions, whichever trainer process or moment measured it.
Nothing here raises: a harness failure is a report with a note, scored like a candidate that does not run.
"""

import atexit
import base64
import contextlib
import itertools
import math
import os
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


REFERENCE_CODE = f"{NAIVE}\nnaive = matmul\n{NUMPY}\nfast = matmul\n"
_NOTE_CHARS = 200


@dataclass(frozen=True)
class MatmulReport:
    """Everything the four rewards need about one candidate."""

    facts: CodeFacts
    runs: bool = False  # the smoke call returned without raising or timing out
    error: float | None = None  # worst relative absolute error over all trials; None = some answer wrong
    speed: float | None = None  # speed_check's score from the timed trials; None = not timed
    runtime_cheats: tuple[str, ...] = ()  # seen by the parent from outside (the child's memory maps)
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


def evaluate(code: str | None) -> MatmulReport:
    """Run ``code`` through every trial in one sandbox child; never raises."""
    facts = analyse(code)
    if not facts.parses or not facts.defines_function("matmul"):
        return MatmulReport(facts, note="no parsable code defining matmul")
    try:
        return _run_trials(code, facts)
    except Exception as error:  # a harness problem must cost this completion, never the trainer
        return MatmulReport(facts, note=f"harness error: {type(error).__name__}: {error}"[:_NOTE_CHARS])


def _run_trials(code: str, facts: CodeFacts) -> MatmulReport:
    rng = np.random.default_rng()
    with sandbox.start(code, "matmul") as child:
        if not child.loaded.message or not child.loaded.message.get("ok"):
            return MatmulReport(facts, note=_why(child.loaded))
        errors: list[float | None] = []
        smoke = _trial(child, np.array([[1, 2], [3, 4]]), np.array([[5, 6], [7, 8]]), errors)
        runs = bool(smoke.message) and not smoke.message.get("raised")
        for n, k, m, integer in CORRECTNESS_SHAPES if runs else []:
            _trial(child, _random(rng, n, k, integer), _random(rng, k, m, integer), errors)
        speed = None
        if runs and None not in errors and not facts.cheats:
            speed = _timed_trials(child, rng, errors)
        cheats = tuple(f"mapped foreign code: {path}" for path in child.foreign_mappings())
        worst = None if not errors or None in errors else max(errors)
        return MatmulReport(facts, runs, worst, speed if worst is not None else None, cheats, _why(smoke))


def _timed_trials(child: sandbox.Child, rng: np.random.Generator, errors: list) -> float | None:
    """speed_check's score from trials interleaved with the naive loop; None when a trial fails or times out."""
    with _reference_child() as reference:
        child.pin(reference.child.cpu)

        def candidate(a: np.ndarray, b: np.ndarray) -> int | None:
            reply = _trial(child, a, b, trial := [])
            errors.extend(trial)  # too slow to time (correctness stands) or wrong: no speed reward
            return None if reply.failure or None in trial else max(reply.cpu_ns, 1)

        ratio = _ratio_to_naive(reference.child, candidate, sandbox.settings().speed_trials, rng)
    return None if ratio is None else speed_score(ratio, reference.numpy_ratio)


def _ratio_to_naive(reference: sandbox.Child, timed, trials: int, rng: np.random.Generator) -> float | None:
    """The median over ``trials`` of ``timed(a, b)``'s CPU time over the naive loop's just before and after.

    Each trial runs the naive loop and then ``timed`` on the same fresh n×n matrices, on the same CPU. A core
    of a virtual machine changes speed from one call to the next (here the same naive loop took 3.7 ms, then
    7 ms), and neighbours in time share its speed; the median ignores the trials that such a change split.
    None as soon as ``timed`` gives None.
    """
    size = sandbox.settings().speed_matrix_size
    naive, times = [], []
    for _ in range(trials):
        a, b = _random(rng, size, size, False), _random(rng, size, size, False)
        naive.append(_reference_time(reference, a, b, "naive"))
        if (ns := timed(a, b)) is None:
            return None
        times.append(ns)
    naive.append(_reference_time(reference, a, b, "naive"))
    return statistics.median(
        t / ((x + y) / 2) for t, (x, y) in zip(times, itertools.pairwise(naive), strict=True)
    )


def speed_score(candidate_ratio: float, numpy_ratio: float) -> float:
    """5 at the naive loop's speed, 10 at NumPy's, log scale in between and beyond, clipped to [0, 10].

    Both ratios are CPU times relative to the naive loop's on the same matrices.
    """
    span = max(math.log(1 / numpy_ratio), math.log(2))
    return min(10.0, max(0.0, 5.0 + 5.0 * math.log(1 / candidate_ratio) / span))


def _trial(child: sandbox.Child, a: np.ndarray, b: np.ndarray, errors: list) -> sandbox.Reply:
    reply = child.request({"call": [a.tolist(), b.tolist()]})
    message = reply.message or {}
    errors.append(result_error(_decode(message), a @ b) if message.get("ok") else None)
    return reply


@dataclass
class _Reference:
    """A trusted child holding the naive loop and NumPy, and NumPy's speed relative to the loop on its core."""

    child: sandbox.Child
    size: int
    numpy_ratio: float


_idle_references: list[_Reference] = []
_pool_lock = threading.Lock()
_next_cpu = itertools.cycle(sorted(os.sched_getaffinity(0)))  # one reference child per core, in turn
_NUMPY_TRIALS = 15


@contextlib.contextmanager
def _reference_child():
    """A reference child, reused across evaluations: NumPy loads and its speed is measured once per child."""
    size = sandbox.settings().speed_matrix_size
    with _pool_lock:
        reference = _idle_references.pop() if _idle_references else None
    if reference is not None and reference.size != size:
        reference.child.close()
        reference = None
    if reference is None:
        child = sandbox.Child(REFERENCE_CODE, None, trusted=True)
        if not (child.loaded.message or {}).get("ok"):
            child.close()
            raise RuntimeError(f"the reference child did not start: {_why(child.loaded) or child.printed()}")
        reference = _measured(child, size)
    healthy = False
    try:
        yield reference
        healthy = not reference.child.failed
    finally:
        if healthy:
            with _pool_lock:
                _idle_references.append(reference)
        else:
            reference.child.close()


def _measured(child: sandbox.Child, size: int) -> _Reference:
    """Pin a new reference child to the next core, warm it up and measure NumPy's speed there; or close it."""
    try:
        with _pool_lock:
            child.pin(next(_next_cpu))
        rng = np.random.default_rng()
        warm_up = _random(rng, size, size, False)
        for function in ("naive", "fast"):  # untimed: the first calls of a new process run slow
            _reference_time(child, warm_up, warm_up, function)
        numpy = _ratio_to_naive(child, lambda a, b: _reference_time(child, a, b, "fast"), _NUMPY_TRIALS, rng)
    except BaseException:
        child.close()
        raise
    return _Reference(child, size, numpy)


def _reference_time(reference: sandbox.Child, a: np.ndarray, b: np.ndarray, function: str) -> int:
    reply = reference.request({"call": [a.tolist(), b.tolist()], "function": function})
    if not (reply.message or {}).get("ok"):
        raise RuntimeError(f"the {function} reference failed: {reply.failure or reply.message}")
    return max(reply.cpu_ns, 1)


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
    return (reply.failure or str((reply.message or {}).get("error", "")))[:_NOTE_CHARS]


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


def clear_caches() -> None:
    """Forget cached reports (benchmarks use this to score the same code afresh)."""
    with _lock:
        _cache.clear()


@atexit.register
def close_reference_children() -> None:
    """End the reused reference children (at exit, or for a test that checks no process is left)."""
    with _pool_lock:
        while _idle_references:
            _idle_references.pop().child.close()
