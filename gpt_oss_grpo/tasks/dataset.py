"""Rows from a Hugging Face `datasets` source: a hub name, a `save_to_disk` folder, or parquet/CSV/JSON files.

Columns map onto the bundle's: the prompt (a text or message-list column, or a template over columns, with an
optional system prompt), the answer (reduced to its final value: GSM8K's "#### 42", MATH's \\boxed{}), the
reasoning effort (fixed or a column). Every other column reaches the reward functions. What can be checked
without data (paths, template syntax, option clashes) is checked when the config loads; columns are checked
when the data loads, before any model. `datasets` is imported only then, so config loading stays fast.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import socket
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urlparse

from pydantic import Field, field_validator, model_validator

from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.scoring.answers import boxed_answer, gsm8k_answer, reference_answer
from gpt_oss_grpo.tasks.base import ReasoningEffort, TaskBase

if TYPE_CHECKING:
    from datasets import Dataset

log = logging.getLogger(__name__)

FILE_BUILDERS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json"}
# What `save_to_disk` writes beside the Arrow files (a Dataset, or a DatasetDict of splits).
_SAVED = ("state.json", "dataset_dict.json")
_HUB_NAME = re.compile(r"[\w.-]+(?:/[\w.-]+)?")
# Keyword arguments TRL passes to every reward function itself: a column of the same name would clash.
RESERVED_COLUMNS = (
    "prompts",
    "completions",
    "completion_ids",
    "trainer_state",
    "log_metric",
    "log_extra",
    "environments",
)
_EFFORTS = ("low", "medium", "high")
AnswerFormat = Literal["auto", "gsm8k", "boxed", "raw"]


class DatasetTask(TaskBase):
    """Any `datasets` source, with its columns mapped to a prompt, an answer and a reasoning effort."""

    default_rewards: ClassVar[tuple[str, ...]] = ("answer_match", "format_ok")
    success_reward: ClassVar[tuple[str, float]] = ("answer_match", 1.0)
    type: Literal["dataset"]
    path: str = Field(
        description="Hub name (needs network, or the Hugging Face cache with HF_HUB_OFFLINE=1), a save_to_disk "
        "folder, a data folder, or parquet/CSV/JSON/JSONL files (globs allowed)."
    )
    name: str | None = Field(None, description="The dataset's config (subset), e.g. 'main' for openai/gsm8k.")
    split: str = "train"
    revision: str | None = Field(None, description="Hub datasets: a branch, tag or commit.")
    prompt_column: str = Field("prompt", description="A column holding text or a list of chat messages.")
    prompt_template: str | None = Field(
        None, description="Instead of prompt_column: text with {column} placeholders, e.g. '{question}'."
    )
    system_prompt: str | None = Field(None, description="A system message put in front of every prompt.")
    answer_column: str | None = Field("answer", description="The reference answer; null for none.")
    answer_format: AnswerFormat = Field(
        "auto",
        description="gsm8k: the value after '####'; boxed: the last \\boxed{}; auto: either when present; raw: as is.",
    )
    reasoning_effort: ReasoningEffort = Field("low", description="For rows without their own.")
    reasoning_effort_column: str | None = Field(None, description="A column of low/medium/high per row.")
    max_samples: int | None = Field(None, ge=1, description="Keep the first N rows (after shuffling).")
    shuffle: bool = False
    seed: int = Field(42, description="Seed of the shuffle.")

    @field_validator("path")
    @classmethod
    def _source_exists(cls, value: str) -> str:
        source_of(value)  # raises for a missing file, an empty glob or an unsupported file type
        return value

    @field_validator("prompt_template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None:
            template_columns(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DatasetTask:
        if self.prompt_template is not None and "prompt_column" in self.model_fields_set:
            raise ValueError("set prompt_column or prompt_template, not both")
        kind, _ = source_of(self.path)
        for option in ("name", "revision"):
            if getattr(self, option) is not None and kind in ("disk", "files"):
                raise ValueError(
                    f"{option} applies to hub datasets and data folders, not to {kind_label(kind)}"
                )
        return self

    def rows(self) -> Dataset:
        """The loaded split with `prompt`, `answer` and `reasoning_effort` columns; the other columns kept."""
        dataset = load_source(self)
        columns = dataset.column_names
        self._check_columns(columns)
        if self.shuffle:
            dataset = dataset.shuffle(seed=self.seed, keep_in_memory=True)
        if self.max_samples is not None:
            dataset = dataset.select(range(min(self.max_samples, dataset.num_rows)))
        if dataset.num_rows == 0:
            raise ConfigError(f"task.path: {self.path} (split {self.split!r}) has no rows")
        dropped = [c for c in RESERVED_COLUMNS if c in columns]
        if dropped:
            log.warning(
                "task: dropping column(s) %s: TRL passes reward functions arguments of that name", dropped
            )
        from datasets import Features, Value

        text = Value("string")
        produced = {"prompt": [{"role": text, "content": text}], "reasoning_effort": text}
        produced |= {"answer": text} if self.answer_column else {}
        removed = [c for c in columns if c in produced or c in dropped]
        kept = {name: feature for name, feature in dataset.features.items() if name not in removed}
        # keep_in_memory: never write cache files into the user's save_to_disk folder.
        return dataset.map(
            self._row,
            with_indices=True,
            remove_columns=removed,
            features=Features({**kept, **produced}),
            keep_in_memory=True,
            desc="Mapping columns",
        )

    def _check_columns(self, columns: list[str]) -> None:
        wanted = {
            "prompt_template": template_columns(self.prompt_template) if self.prompt_template else [],
            "prompt_column": [] if self.prompt_template else [self.prompt_column],
            "answer_column": [self.answer_column] if self.answer_column else [],
            "reasoning_effort_column": [self.reasoning_effort_column] if self.reasoning_effort_column else [],
        }
        for option, names in wanted.items():
            for name in names:
                if name not in columns:
                    hint = " (null for none)" if option == "answer_column" else ""
                    raise ConfigError(
                        f"task.{option}: no column {name!r} in {self.path} (split {self.split!r}); "
                        f"columns: {', '.join(columns)}{hint}"
                    )

    def _row(self, row: dict[str, Any], index: int) -> dict[str, Any]:
        mapped = {"prompt": self._prompt(row, index), "reasoning_effort": self._effort(row, index)}
        if self.answer_column:
            mapped["answer"] = self._answer(row[self.answer_column], index)
        return mapped

    def _prompt(self, row: dict[str, Any], index: int) -> list[dict[str, str]]:
        if self.prompt_template is not None:
            messages = [{"role": "user", "content": self.prompt_template.format_map(row)}]
        else:
            messages = _messages(row[self.prompt_column], f"task.prompt_column: row {index}")
        if self.system_prompt is None:
            return messages
        if messages[0]["role"] in ("system", "developer"):
            raise ConfigError(
                f"task.system_prompt: row {index} already starts with a {messages[0]['role']} message"
            )
        return [{"role": "system", "content": self.system_prompt}, *messages]

    def _answer(self, value: Any, index: int) -> str:
        where = f"task.answer_column: row {index}"
        if value is None:
            raise ConfigError(f"{where}: no answer (null)")
        text = str(value)
        if self.answer_format == "raw":
            return text
        if self.answer_format == "auto":
            return reference_answer(text).strip()
        found = gsm8k_answer(text) if self.answer_format == "gsm8k" else boxed_answer(text)
        if found is None:
            marker = "'#### <answer>'" if self.answer_format == "gsm8k" else "\\boxed{...}"
            raise ConfigError(f"{where}: no {marker} in {text[:60]!r} (answer_format: {self.answer_format})")
        return found

    def _effort(self, row: dict[str, Any], index: int) -> str:
        if self.reasoning_effort_column is None or row[self.reasoning_effort_column] is None:
            return self.reasoning_effort
        value = row[self.reasoning_effort_column]
        if value not in _EFFORTS:
            raise ConfigError(
                f"task.reasoning_effort_column: row {index}: got {value!r}; allowed: {', '.join(_EFFORTS)}"
            )
        return value


def source_of(path: str) -> tuple[str, str | None]:
    """What `path` names: ('hub'|'disk'|'folder', None) or ('files', builder); a ValueError for a bad path."""
    if glob.has_magic(path):
        matches = sorted(glob.glob(os.path.expanduser(path), recursive=True))
        if not matches:
            raise ValueError("no file matches this pattern")
        return "files", _builder(matches)
    local = Path(path).expanduser()
    if local.is_file():
        return "files", _builder([str(local)])
    if local.is_dir():
        return ("disk" if any((local / name).is_file() for name in _SAVED) else "folder"), None
    if local.suffix in FILE_BUILDERS or not _HUB_NAME.fullmatch(path):
        raise ValueError("no such file or folder (nor a hub name: owner/name)")
    return "hub", None


def kind_label(kind: str) -> str:
    return {"disk": "a save_to_disk folder", "files": "local files"}.get(kind, kind)


def template_columns(template: str) -> list[str]:
    """The {column} placeholders of a prompt template; a ValueError for bad syntax or no placeholder."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise ValueError(f"not a valid template: {error}") from None
    if not names:
        raise ValueError("needs at least one {column} placeholder")
    for name in names:
        if not name or name.isdigit() or re.search(r"[.\[\]]", name):
            raise ValueError(
                f"placeholder {{{name}}} must name a column (no positions, attributes or indices)"
            )
    return list(dict.fromkeys(names))


def _builder(files: list[str]) -> str:
    kinds = {Path(f).suffix for f in files}
    unknown = kinds - set(FILE_BUILDERS)
    if unknown:
        raise ValueError(f"unsupported file type {sorted(unknown)[0]!r}; allowed: {', '.join(FILE_BUILDERS)}")
    builders = {FILE_BUILDERS[k] for k in kinds}
    if len(builders) > 1:
        raise ValueError(f"mixes file types ({', '.join(sorted(kinds))}); use one kind per task")
    return builders.pop()


def _messages(value: Any, where: str) -> list[dict[str, str]]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if (
        isinstance(value, list)
        and value
        and all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in value
        )
    ):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise ConfigError(
        f"{where}: expected text or a list of {{role, content}} messages, got {str(value)[:60]!r}"
    )


def load_source(task: DatasetTask) -> Dataset:
    """The task's split, loaded with `datasets`; every failure is one ConfigError line naming the source."""
    import datasets

    kind, builder = source_of(task.path)
    where = f"task.path: cannot load {task.path!r} (split {task.split!r})"
    try:
        if kind == "disk":
            loaded = datasets.load_from_disk(str(Path(task.path).expanduser()), keep_in_memory=False)
            if isinstance(loaded, datasets.DatasetDict):
                if task.split not in loaded:
                    raise ConfigError(
                        f"task.split: {task.split!r} is not in {task.path}; splits: {', '.join(loaded)}"
                    )
                loaded = loaded[task.split]
            return loaded
        if kind == "files":
            files = sorted(glob.glob(os.path.expanduser(task.path), recursive=True))
            return datasets.load_dataset(builder, data_files=files, split=task.split)
        if kind == "hub" and (unreachable := _hub_unreachable()):
            raise ConfigError(
                f"{where}: the Hugging Face Hub is unreachable ({unreachable}); with a copy in the cache set "
                "HF_HUB_OFFLINE=1, or point task.path at local files"
            )
        return datasets.load_dataset(task.path, name=task.name, split=task.split, revision=task.revision)
    except ConfigError:
        raise
    except ConnectionError as error:
        if "OfflineModeIsEnabled" in str(error) or datasets.config.HF_HUB_OFFLINE:
            raise ConfigError(
                f"{where}: not in the Hugging Face cache, and HF_HUB_OFFLINE=1 forbids fetching it; run once with "
                "network (HF_HUB_OFFLINE unset), or point task.path at local files"
            ) from None
        raise ConfigError(f"{where}: {_first_line(error)}") from None
    except Exception as error:
        raise ConfigError(f"{where}: {type(error).__name__}: {_first_line(error)}") from None


def _hub_unreachable() -> str | None:
    """Why the hub cannot be reached, in seconds, instead of datasets' ~25 s of retries; None when it can
    (or when offline mode or a proxy decides)."""
    from huggingface_hub import constants

    proxies = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
    if constants.HF_HUB_OFFLINE or any(os.environ.get(name) for name in proxies):
        return None
    url = urlparse(constants.ENDPOINT)
    try:
        socket.create_connection(
            (url.hostname, url.port or (443 if url.scheme == "https" else 80)), 5
        ).close()
    except OSError as error:
        return f"{url.netloc}: {error.strerror or error}"
    return None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
