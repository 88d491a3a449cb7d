"""task.type: dataset on real files made here: parquet, CSV, JSONL, save_to_disk folders; offline hub errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from datasets import Dataset, DatasetDict

from gpt_oss_grpo.config import load_config
from gpt_oss_grpo.data import build_dataset
from gpt_oss_grpo.errors import ConfigError
from tests.conftest import ROOT
from tests.test_train_e2e import _scored_without_failures

GSM8K_ROWS = {
    "question": [
        "Natalia sold 48 clips in April and half as many in May. How many in all?",
        "What is 6 * 7?",
    ],
    "answer": ["In May she sold 48/2 = 24 clips.\n48 + 24 = 72\n#### 72", "6 * 7 = 42\n#### 42"],
    "level": [2, 1],
}


def task_config(tmp_path, **task):
    """Load a config whose task section is `task` (as a user's config.yaml would hold it)."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"task": {"type": "dataset", **task}}))
    return load_config(path).task


@pytest.fixture
def gsm8k_parquet(tmp_path):
    path = tmp_path / "gsm8k-train.parquet"
    Dataset.from_dict(GSM8K_ROWS).to_parquet(path)
    return path


def test_a_parquet_file_loads_with_a_template_a_system_prompt_and_gsm8k_answers(tmp_path, gsm8k_parquet):
    task = task_config(
        tmp_path,
        path=str(gsm8k_parquet),
        prompt_template="Solve: {question} (level {level})",
        system_prompt="Reason step by step.",
        reasoning_effort="medium",
    )
    dataset = build_dataset(task)
    assert dataset.num_rows == 2
    assert dataset["answer"] == ["72", "42"]  # the value after '####', not the worked solution
    assert dataset[1]["prompt"] == [
        {"role": "system", "content": "Reason step by step."},
        {"role": "user", "content": "Solve: What is 6 * 7? (level 1)"},
    ]
    assert dataset["reasoning_effort"] == ["medium", "medium"]
    assert {"question", "level"} <= set(dataset.column_names)  # extra columns reach the rewards


def test_a_save_to_disk_folder_loads_its_split_with_messages_and_per_row_effort(tmp_path):
    rows = {
        "messages": [
            [{"role": "user", "content": "Integrate x dx."}],
            [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Solve x + 1 = 3."}],
        ],
        "solution": ["We get $\\boxed{\\frac{x^2}{2} + C}$.", "So $x = \\boxed{2}$"],
        "effort": ["high", None],
    }
    folder = tmp_path / "saved"
    DatasetDict({"train": Dataset.from_dict(rows).select([0]), "test": Dataset.from_dict(rows)}).save_to_disk(
        folder
    )
    before = sorted(p.name for p in folder.rglob("*"))
    task = task_config(
        tmp_path,
        path=str(folder),
        split="test",
        prompt_column="messages",
        answer_column="solution",
        answer_format="boxed",
        reasoning_effort_column="effort",
    )
    dataset = build_dataset(task)
    assert dataset["answer"] == ["\\frac{x^2}{2} + C", "2"]
    assert dataset[1]["prompt"][0] == {"role": "system", "content": "Be terse."}
    assert dataset["reasoning_effort"] == ["high", "low"]  # null falls back to task.reasoning_effort
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing cached into the user's folder


def test_a_saved_dataset_csv_and_a_jsonl_glob_load_too(tmp_path):
    Dataset.from_dict({"prompt": ["What is 1+1?"], "answer": [2]}).save_to_disk(tmp_path / "one")
    assert build_dataset(task_config(tmp_path, path=str(tmp_path / "one")))["answer"] == ["2"]
    (tmp_path / "rows.csv").write_text("problem,answer\nWhat is 3+3?,6\n")
    csv = build_dataset(task_config(tmp_path, path=str(tmp_path / "rows.csv"), prompt_column="problem"))
    assert csv[0]["prompt"] == [{"role": "user", "content": "What is 3+3?"}] and csv["answer"] == ["6"]
    for part in range(3):
        (tmp_path / f"part-{part}.jsonl").write_text(
            json.dumps({"prompt": f"q{part}", "answer": str(part)}) + "\n"
        )
    parts = build_dataset(task_config(tmp_path, path=str(tmp_path / "part-*.jsonl")))
    assert sorted(parts["answer"]) == ["0", "1", "2"]
    (tmp_path / "export" / "data").mkdir(parents=True)  # a folder of data files, as a hub repo lays them out
    Dataset.from_dict({"prompt": ["q"], "answer": ["7"]}).to_parquet(
        tmp_path / "export" / "data" / "train.parquet"
    )
    assert build_dataset(task_config(tmp_path, path=str(tmp_path / "export")))["answer"] == ["7"]


def test_shuffle_with_a_seed_then_max_samples(tmp_path):
    path = tmp_path / "many.parquet"
    Dataset.from_dict(
        {"prompt": [f"q{i}" for i in range(50)], "answer": [str(i) for i in range(50)]}
    ).to_parquet(path)

    def answers(**options):
        return build_dataset(task_config(tmp_path, path=str(path), **options))["answer"]

    assert answers(max_samples=3) == ["0", "1", "2"]
    shuffled = answers(shuffle=True, seed=1, max_samples=10)
    assert shuffled == answers(shuffle=True, seed=1, max_samples=10)
    assert shuffled != answers(shuffle=True, seed=2, max_samples=10) and shuffled != answers(max_samples=10)


def test_answer_formats_and_no_answer_column(tmp_path, gsm8k_parquet):
    raw = build_dataset(
        task_config(tmp_path, path=str(gsm8k_parquet), prompt_column="question", answer_format="raw")
    )
    assert raw["answer"] == GSM8K_ROWS["answer"]
    none = build_dataset(
        task_config(tmp_path, path=str(gsm8k_parquet), prompt_column="question", answer_column=None)
    )
    assert none["answer"] == GSM8K_ROWS["answer"]  # kept as an ordinary column, not reduced
    with pytest.raises(ConfigError, match=r"task.answer_column: row 0: no \\boxed\{...\} in"):
        build_dataset(
            task_config(tmp_path, path=str(gsm8k_parquet), prompt_column="question", answer_format="boxed")
        )


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"path": "{tmp}/missing.parquet"}, "task.path: no such file or folder"),
        ({"path": "./data/train.jsonl"}, "task.path: no such file or folder"),
        ({"path": "{tmp}/*.parquet"}, "task.path: no file matches this pattern"),
        (
            {"path": "{tmp}/notes.txt"},
            "task.path: unsupported file type '.txt'; allowed: .parquet, .csv, .json",
        ),
        (
            {"path": "{gsm8k}", "prompt_template": "Solve {question"},
            "task.prompt_template: not a valid template",
        ),
        ({"path": "{gsm8k}", "prompt_template": "Solve it"}, "needs at least one {column} placeholder"),
        ({"path": "{gsm8k}", "prompt_template": "{0}"}, "placeholder {0} must name a column"),
        ({"path": "{gsm8k}", "prompt_template": "{q.x}"}, "placeholder {q.x} must name a column"),
        ({"path": "{gsm8k}", "prompt_template": "{question}", "prompt_column": "question"}, "not both"),
        (
            {"path": "{gsm8k}", "name": "main"},
            "name applies to hub datasets and data folders, not to local files",
        ),
        ({"path": "{gsm8k}", "answer_format": "latex"}, "task.answer_format: got 'latex'; allowed:"),
    ],
)
def test_bad_options_are_one_line_at_config_load(tmp_path, gsm8k_parquet, task, expected):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.txt").write_text("x")
    task = {
        k: v.format(tmp=tmp_path / "sub", gsm8k=gsm8k_parquet) if k == "path" else v for k, v in task.items()
    }
    with pytest.raises(ConfigError) as error:
        task_config(tmp_path, **task)
    assert expected in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            {},
            "task.prompt_column: no column 'prompt' in {path} (split 'train'); columns: question, answer, level",
        ),
        ({"prompt_template": "{question} {topic}"}, "task.prompt_template: no column 'topic' in"),
        (
            {"prompt_column": "question", "answer_column": "solution"},
            "task.answer_column: no column 'solution' in {path} (split 'train'); columns: question, answer, level "
            "(null for none)",
        ),
        (
            {"prompt_column": "question", "reasoning_effort_column": "effort"},
            "task.reasoning_effort_column: no column",
        ),
        (
            {"prompt_column": "level"},
            "task.prompt_column: row 0: expected text or a list of {role, content} messages",
        ),
        ({"prompt_column": "question", "split": "test"}, "task.path: cannot load"),
    ],
)
def test_data_problems_are_one_line_naming_what_exists(tmp_path, gsm8k_parquet, task, expected):
    with pytest.raises(ConfigError) as error:
        build_dataset(task_config(tmp_path, path=str(gsm8k_parquet), **task))
    assert expected.replace("{path}", str(gsm8k_parquet)) in str(error.value) and "\n" not in str(error.value)


def test_bad_rows_name_the_row(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [{"prompt": "a", "answer": "1", "effort": "low"}, {"prompt": "b", "answer": None, "effort": "max"}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    with pytest.raises(
        ConfigError, match=r"task.reasoning_effort_column: row 1: got 'max'; allowed: low, medium, high"
    ):
        build_dataset(
            task_config(tmp_path, path=str(path), answer_column=None, reasoning_effort_column="effort")
        )
    with pytest.raises(ConfigError, match=r"task.answer_column: row 1: no answer \(null\)"):
        build_dataset(task_config(tmp_path, path=str(path)))
    saved = tmp_path / "saved"
    DatasetDict({"train": Dataset.from_list(rows[:1])}).save_to_disk(saved)
    with pytest.raises(ConfigError, match=r"task.split: 'validation' is not in .*; splits: train"):
        build_dataset(task_config(tmp_path, path=str(saved), split="validation"))


def test_columns_named_like_trls_reward_arguments_are_dropped_with_a_warning(tmp_path, caplog):
    path = tmp_path / "rows.jsonl"
    path.write_text(
        json.dumps({"prompt": "q", "answer": "1", "completions": ["x"], "trainer_state": 1}) + "\n"
    )
    dataset = build_dataset(task_config(tmp_path, path=str(path)))
    assert set(dataset.column_names) == {"prompt", "answer", "reasoning_effort"}
    assert "dropping column(s) ['completions', 'trainer_state']" in caplog.text


# Loads the config and builds the dataset in a fresh process, timing only the dataset step.
TIMED_BUILD = """
import sys, time
from pathlib import Path
from gpt_oss_grpo.config import load_config
from gpt_oss_grpo.data import build_dataset
from gpt_oss_grpo.errors import ConfigError
task = load_config(Path(sys.argv[1])).task
start = time.monotonic()
try:
    build_dataset(task)
except ConfigError as error:
    print(f"{time.monotonic() - start:.2f}")
    print(error)
"""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HF_HUB_OFFLINE": "1"}, "not in the Hugging Face cache, and HF_HUB_OFFLINE=1 forbids fetching it"),
        # No network (a closed local port as the hub): says so at once instead of ~25 s of retries.
        (
            {"HF_ENDPOINT": "http://127.0.0.1:9"},
            "the Hugging Face Hub is unreachable (127.0.0.1:9: Connection refused)",
        ),
    ],
)
def test_a_hub_dataset_that_cannot_be_fetched_says_so_in_one_line_within_seconds(tmp_path, env, expected):
    config = tmp_path / "gsm8k.yaml"
    config.write_text("task: {type: dataset, path: openai/gsm8k, name: main, prompt_column: question}\n")
    env = {
        **{k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"},
        **env,
        "HF_HOME": str(tmp_path / "hf"),
    }
    timed = subprocess.run(
        [sys.executable, "-c", TIMED_BUILD, str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert timed.returncode == 0, timed.stderr
    seconds, message = timed.stdout.strip().split("\n")
    assert (
        message.startswith("task.path: cannot load 'openai/gsm8k' (split 'train'): ") and expected in message
    )
    assert float(seconds) < 5, f"the dataset step took {seconds} s"
    if "HF_HUB_OFFLINE" in env:  # and as a user sees it: one line, exit code 2
        cli = subprocess.run(
            [sys.executable, "train.py", "--dry-run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert cli.returncode == 2 and "Traceback" not in cli.stderr
        assert cli.stderr.strip().splitlines()[-1] == f"error: {message}"


def test_a_dataset_task_trains_on_the_tiny_gpt_oss(tmp_path, run_train, tiny_gpt_oss, gsm8k_parquet):
    row = _scored_without_failures(
        tmp_path,
        run_train,
        tiny_gpt_oss,
        f"task: {{type: dataset, path: {gsm8k_parquet}, prompt_column: question, max_samples: 2}}\n",
        ["answer_match", "format_ok"],
    )
    assert row["rewards/answer_match/mean"] == 0.0  # random weights: no right answer, but no failure either
