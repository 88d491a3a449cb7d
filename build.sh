#!/usr/bin/env bash
# Build the CUDA training image from ./Dockerfile, or with --vllm the vLLM generation server image.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./build.sh [--tag TAG] [--vllm] [--print-command] [-- DOCKER_BUILD_ARGS...]

Build the CUDA training image from ./Dockerfile (needs Docker; no GPU needed to build).

Options:
  --tag TAG         image tag (default: $GPT_OSS_GRPO_IMAGE, else gpt-oss-grpo:latest;
                    with --vllm: gpt-oss-grpo-vllm:latest)
  --vllm            build the vLLM generation server image (docker/vllm.Dockerfile) used with
                    grpo.use_vllm=true grpo.vllm_mode=server (see docs/scaling.md)
  --print-command   print the docker command instead of running it
  -h, --help        show this help
Anything after "--" is passed to `docker build` unchanged, e.g. ./build.sh -- --no-cache --pull
EOF
}

die() {
  echo "build.sh: $1" >&2
  exit "${2:-1}"
}

tag=""
vllm=false
print_only=false
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tag)
      [[ $# -ge 2 && -n "$2" ]] || die "--tag needs a value, e.g. --tag myrepo/gpt-oss-grpo:v1" 2
      tag="$2"
      shift 2
      ;;
    --vllm) vllm=true; shift ;;
    --print-command) print_only=true; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) die "unknown option '$1' (allowed: --tag TAG, --vllm, --print-command, --help, -- DOCKER_ARGS)" 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ "$vllm" == true ]]; then
  dockerfile="$root/docker/vllm.Dockerfile"
  tag="${tag:-gpt-oss-grpo-vllm:latest}"
else
  dockerfile="$root/Dockerfile"
  tag="${tag:-${GPT_OSS_GRPO_IMAGE:-gpt-oss-grpo:latest}}"
fi
cmd=(docker build --file "$dockerfile" --tag "$tag" "${extra[@]}" "$root")

if [[ "$print_only" == true ]]; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi
command -v docker >/dev/null 2>&1 ||
  die "docker is not installed or not on PATH: install Docker Engine (https://docs.docker.com/engine/install/) to build the image"
docker info >/dev/null 2>&1 ||
  die "cannot reach the Docker daemon: start it (sudo systemctl start docker) or add your user to the 'docker' group"
echo "build.sh: building $tag from ${dockerfile#"$root"/}" >&2
"${cmd[@]}"
echo "build.sh: built $tag" >&2
