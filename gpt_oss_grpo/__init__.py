"""gpt-oss-grpo: config-driven GRPO fine-tuning of GPT-OSS with sandboxed, verifiable code rewards.

Where things live: config.py (the schema), tasks/ (task types), data.py (the dataset), prompts.py, models/,
scoring/ (rewards and evaluators), sandbox/, training.py, monitoring/, predict.py.
"""

import importlib
import importlib.abc
import importlib.util
import sys

# Module paths of earlier releases that users' copies of reward_functions.py import: each name is the same
# module object as its new home, so `from gpt_oss_grpo.harmony import final_answer` keeps working.
MOVED_MODULES = {
    "gpt_oss_grpo.harmony": "gpt_oss_grpo.scoring.harmony",
    "gpt_oss_grpo.reward_registry": "gpt_oss_grpo.scoring.registry",
    "gpt_oss_grpo.answers": "gpt_oss_grpo.scoring.answers",
    "gpt_oss_grpo.code_eval": "gpt_oss_grpo.scoring.code_tests",
    "gpt_oss_grpo.matmul_eval": "gpt_oss_grpo.scoring.matmul",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in MOVED_MODULES else None

    def create_module(self, spec):
        module = importlib.import_module(MOVED_MODULES[spec.name])
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module) -> None:
        """Already executed under its new name: only undo the import system's overwrite of its __spec__."""
        module.__spec__ = module.__spec__.loader_state


sys.meta_path.append(_MovedModuleFinder())
