#!/usr/bin/env bash
# Run train.py inside the CUDA image (built by ./build.sh), on one GPU or on several through accelerate launch.
# config.yaml, reward_functions.py, the output folder and the cache are mounted, so edits need no rebuild and
# results land on the host, owned by the calling user.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./train.sh [OPTIONS] [TRAIN_PY_ARGS...]

Run train.py in the CUDA image. Arguments that are not options of this script go to train.py unchanged
(everything after "--" always does), e.g.
  ./train.sh --set grpo.max_steps=50
  ./train.sh --gpus 4 --strategy ddp
  ./train.sh --gpus 8 --strategy zero3 --host-network --set grpo.use_vllm=true --set grpo.vllm_mode=server
  ./train.sh -- --help                          (train.py's own help)

Files (host paths, relative to the current folder):
  --config FILE       run configuration (default ./config.yaml)
  --rewards FILE      reward functions mounted over the image's copy (default ./reward_functions.py)
  --output DIR        checkpoints, final_model/, metrics and plots (default ./gpt-oss-grpo); this replaces
                      grpo.output_dir inside the container. Resume with --resume (latest checkpoint there).
  --cache NAME|DIR    Docker volume name or host folder for the Hugging Face, Triton and Unsloth caches,
                      so weights download once (default volume gpt-oss-grpo-cache)

GPUs:
  --gpus N            N training processes, one per GPU (default 1: plain `python train.py`, Unsloth backend).
                      N > 1 runs `accelerate launch` with configs/accelerate/<strategy>.yaml and
                      model.backend=transformers (Unsloth's own multi-GPU support is limited).
  --strategy S        ddp | zero2 | zero3 (default ddp). ddp and zero2 keep model.load_in_4bit from the config
                      (bitsandbytes 4-bit); zero3 shards bf16 weights and sets model.load_in_4bit=false.
  --nodes N           number of machines (default 1); run this same command on each with its --node-rank
  --node-rank R       this machine's rank, 0 on the main machine (default 0)
  --main-ip IP        address of the rank-0 machine (needed when --nodes > 1)
  --main-port PORT    rendezvous port on the rank-0 machine (default 29500)

Container:
  --image TAG         image to run (default $GPT_OSS_GRPO_IMAGE, else gpt-oss-grpo:latest)
  --shm-size SIZE     shared memory for data loaders and NCCL (default 16g)
  --host-network      use the host's network (needed for --nodes > 1, which turns it on, and to reach a
                      vLLM server on this machine's localhost)
  --no-gpu-check      skip the host checks for nvidia-smi and Docker's NVIDIA runtime
  --print-command     print the docker command instead of running it
  -h, --help          show this help
HF_TOKEN and WANDB_API_KEY are passed into the container only when they are set.
EOF
}

die() {
  echo "train.sh: $1" >&2
  exit "${2:-1}"
}

need_value() {
  [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see ./train.sh --help)" 2
}

is_count() {
  [[ "$1" =~ ^[1-9][0-9]*$ ]]
}

config="./config.yaml"
rewards="./reward_functions.py"
output="./gpt-oss-grpo"
cache="gpt-oss-grpo-cache"
gpus=1
strategy="ddp"
nodes=1
node_rank=0
main_ip=""
main_port=29500
image="${GPT_OSS_GRPO_IMAGE:-gpt-oss-grpo:latest}"
shm_size="16g"
host_network=false
gpu_check=true
print_only=false
forward=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config) need_value "$@"; config="$2"; shift 2 ;;
    --rewards) need_value "$@"; rewards="$2"; shift 2 ;;
    --output) need_value "$@"; output="$2"; shift 2 ;;
    --cache) need_value "$@"; cache="$2"; shift 2 ;;
    --gpus) need_value "$@"; gpus="$2"; shift 2 ;;
    --strategy) need_value "$@"; strategy="$2"; shift 2 ;;
    --nodes) need_value "$@"; nodes="$2"; shift 2 ;;
    --node-rank) need_value "$@"; node_rank="$2"; shift 2 ;;
    --main-ip) need_value "$@"; main_ip="$2"; shift 2 ;;
    --main-port) need_value "$@"; main_port="$2"; shift 2 ;;
    --image) need_value "$@"; image="$2"; shift 2 ;;
    --shm-size) need_value "$@"; shm_size="$2"; shift 2 ;;
    --host-network) host_network=true; shift ;;
    --no-gpu-check) gpu_check=false; shift ;;
    --print-command) print_only=true; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; forward+=("$@"); break ;;
    *) forward+=("$1"); shift ;;
  esac
done

is_count "$gpus" || die "--gpus must be a whole number >= 1, got '$gpus'" 2
is_count "$nodes" || die "--nodes must be a whole number >= 1, got '$nodes'" 2
[[ "$node_rank" =~ ^[0-9]+$ && "$node_rank" -lt "$nodes" ]] ||
  die "--node-rank must be between 0 and $((nodes - 1)), got '$node_rank'" 2
[[ "$main_port" =~ ^[0-9]+$ ]] || die "--main-port must be a port number, got '$main_port'" 2
case "$strategy" in
  ddp | zero2 | zero3) ;;
  *) die "--strategy must be one of ddp, zero2, zero3, got '$strategy'" 2 ;;
esac
if [[ "$nodes" -gt 1 ]]; then
  [[ -n "$main_ip" ]] || die "--nodes $nodes needs --main-ip (the address of the --node-rank 0 machine)" 2
  host_network=true
fi
[[ -f "$config" ]] || die "config file '$config' not found (pass --config FILE)" 2
[[ -f "$rewards" ]] || die "reward functions file '$rewards' not found (pass --rewards FILE)" 2

absolute() {
  if [[ "$1" == /* ]]; then echo "$1"; else echo "$PWD/${1#./}"; fi
}

# Inside the image: WORKDIR /app holds the code; these paths are what the mounts replace.
app=/app
out_in="$app/gpt-oss-grpo"
world=$((gpus * nodes))
cmd=(docker run --rm --init --gpus "$([[ "$world" -gt 1 ]] && echo "$gpus" || echo all)"
  --shm-size "$shm_size" --ulimit memlock=-1 --ulimit stack=67108864
  --user "$(id -u):$(id -g)"
  -v "$(absolute "$config"):$app/config.yaml:ro"
  -v "$(absolute "$rewards"):$app/reward_functions.py:ro")
# Host folders are created just before the run (not by Docker, which would make them root's).
host_dirs=("$(absolute "$output")")
cmd+=(-v "${host_dirs[0]}:$out_in")
if [[ "$cache" == */* || "$cache" == .* ]]; then
  host_dirs+=("$(absolute "$cache")")
  cmd+=(-v "${host_dirs[1]}:/cache")
else
  cmd+=(-v "$cache:/cache")
fi
for secret in HF_TOKEN WANDB_API_KEY; do
  # "-e NAME" copies the value from this environment without putting it on the command line.
  [[ -n "${!secret:-}" ]] && cmd+=(-e "$secret")
done
[[ "$host_network" == true ]] && cmd+=(--network host)
[[ -t 0 && -t 1 ]] && cmd+=(-it)
cmd+=("$image")

train_args=(--config "$app/config.yaml" --set "grpo.output_dir=$out_in")
if [[ "$world" -gt 1 ]]; then
  cmd+=(accelerate launch --config_file "configs/accelerate/$strategy.yaml" --num_processes "$world")
  if [[ "$nodes" -gt 1 ]]; then
    cmd+=(--num_machines "$nodes" --machine_rank "$node_rank" --main_process_ip "$main_ip"
      --main_process_port "$main_port")
  fi
  cmd+=(train.py)
  train_args+=(--set model.backend=transformers)
  [[ "$strategy" == zero3 ]] && train_args+=(--set model.load_in_4bit=false)
else
  cmd+=(python train.py)
fi
# The caller's arguments come last, so their --set values win over the ones above.
cmd+=("${train_args[@]}" "${forward[@]}")

if [[ "$print_only" == true ]]; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi

command -v docker >/dev/null 2>&1 ||
  die "docker is not installed or not on PATH: install Docker Engine (https://docs.docker.com/engine/install/) and the NVIDIA Container Toolkit, then ./build.sh"
docker info >/dev/null 2>&1 ||
  die "cannot reach the Docker daemon: start it (sudo systemctl start docker) or add your user to the 'docker' group"
if [[ "$gpu_check" == true ]]; then
  command -v nvidia-smi >/dev/null 2>&1 ||
    die "no NVIDIA driver on this machine (nvidia-smi not found): the image needs an NVIDIA GPU and driver (or --no-gpu-check if Docker runs elsewhere)"
  found=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
  [[ "$found" -ge 1 ]] || die "nvidia-smi lists no GPU: check the NVIDIA driver (nvidia-smi) on this machine"
  [[ "$found" -ge "$gpus" ]] || die "--gpus $gpus asks for more GPUs than nvidia-smi lists here ($found)" 2
  docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"nvidia"' ||
    die "Docker has no NVIDIA runtime: install the NVIDIA Container Toolkit, then 'sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker'"
fi
docker image inspect "$image" >/dev/null 2>&1 || die "image '$image' not found: build it with ./build.sh (or pass --image TAG)"
mkdir -p "${host_dirs[@]}"
exec "${cmd[@]}"
