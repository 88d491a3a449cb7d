"""The usual in-process way to score matmul completions, re-created as the benchmark's baseline.

Modelled on the upstream GPT-OSS GRPO notebook: code exec'd inside the scoring process, an AST scan of
import statements, signal-based timeouts, correctness by signed max error/MSE on random matrices up to
128, speed against NumPy on random matrices up to 256 with a cache-thrashing buffer per benchmark.
Not used in training: it exists to measure what the sandboxed rewards replace (and its known holes).
"""

import ast
import signal
import sys
import time

import numpy as np

from gpt_oss_grpo.scoring.harmony import completion_text, extract_python_code


class Timeout(Exception):
    pass


def with_time_limit(seconds: int, function, *args):
    def alarm(signum, frame):
        raise Timeout

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return function(*args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def only_stdlib_imports(code: str) -> bool:
    for node in ast.walk(ast.parse(code)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(name.split(".")[0] not in sys.stdlib_module_names for name in names):
            return False
    return True


def load(completion):
    code = extract_python_code(completion_text(completion))
    if code is None or not code.startswith("def matmul(A, B):"):
        return None
    scope: dict = {}
    exec(code, scope)
    return scope.get("matmul")


def random_matrices(limit: int):
    n, k, m = np.random.randint(1, limit + 1, size=3)
    return np.random.uniform(-10, 10, (n, k)), np.random.uniform(-10, 10, (k, m))


class Benchmarker:
    def __init__(self, buffer_bytes: int = 2 << 30, trials: int = 3) -> None:
        self.buffer = np.zeros(buffer_bytes, dtype=np.uint8)
        self.trials = trials

    def median_ns(self, function, *args) -> int:
        times = []
        for _ in range(self.trials):
            self.buffer ^= 1  # wipe the caches
            start = time.perf_counter_ns()
            with_time_limit(10, function, *args)
            times.append(time.perf_counter_ns() - start)
        return int(np.median(times))


def function_works(completions) -> list[float]:
    scores = []
    for c in completions:
        code = extract_python_code(completion_text(c))
        if code is None or not only_stdlib_imports(code):
            scores.append(-2.0)
            continue
        try:
            scores.append(1.0 if load(c) else -2.0)
        except Exception:
            scores.append(-0.5)
    return scores


def no_cheating(completions) -> list[float]:
    return [1.0 if (code := extract_python_code(completion_text(c))) and only_stdlib_imports(code) else -20.0
            for c in completions]  # fmt: skip


def correctness_check(completions) -> list[float]:
    scores = []
    for c in completions:
        a, b = random_matrices(128)
        try:
            got = np.array(with_time_limit(2, load(c), a.tolist(), b.tolist()))
            diff = got - a @ b
            max_error, mse = float(np.amax(diff)), float(np.mean(np.square(diff)))  # signed max: the bug
        except Exception:
            scores.append(-2.0)
            continue
        eps = 100 * np.finfo(np.float64).eps
        scores.append(3.0 if max_error < eps and mse < eps else 0.0 if max_error < 0.5 else -2.0)
    return scores


def speed_check(completions, benchmarker: Benchmarker, limit: int = 256) -> list[float]:
    scores = []
    for c in completions:
        a, b = random_matrices(limit)
        try:
            function = load(c)
            numpy_ns = benchmarker.median_ns(np.matmul, a, b)
            new_ns = benchmarker.median_ns(function, a.tolist(), b.tolist())
        except Exception:
            scores.append(-1.0)
            continue
        ratio = numpy_ns / new_ns
        scores.append(float(np.clip(ratio * 100 if ratio >= 1 else -1 / ratio / 100, -10, 10)))
    return scores


def score_batch(completions, buffer_bytes: int = 2 << 30, limit: int = 256) -> dict[str, list[float]]:
    """All four notebook-style rewards, in process, one completion after another."""
    benchmarker = Benchmarker(buffer_bytes)
    return {
        "function_works": function_works(completions),
        "no_cheating": no_cheating(completions),
        "correctness_check": correctness_check(completions),
        "speed_check": speed_check(completions, benchmarker, limit),
    }
