# CUDA training image: ./build.sh builds it, ./train.sh runs it (see docs/scaling.md for multi-GPU).
#
# Base: the official PyTorch image with torch 2.14.1 + CUDA 12.6 + cuDNN 9 on Ubuntu 24.04, Python 3.12.
# unsloth==2026.10.9 needs torch<2.15; CUDA 12.6 still covers Turing (T4) to Hopper GPUs. The devel flavour
# carries nvcc, which DeepSpeed needs to install and to JIT-build its ops, and Triton uses for its launchers.
FROM pytorch/pytorch:2.14.1-cuda12.6-cudnn9-devel

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Every cache lives under /cache, which train.sh mounts as a volume: model weights download once and compiled
# kernels survive restarts. USER/LOGNAME give torch's getpass-based cache paths a name when train.sh runs the
# container as the host user's uid, which has no entry in /etc/passwd.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1 \
    HF_HOME=/cache/huggingface \
    TRITON_CACHE_DIR=/cache/triton \
    TORCHINDUCTOR_CACHE_DIR=/cache/torchinductor \
    UNSLOTH_COMPILE_LOCATION=/cache/unsloth_compiled_cache \
    WANDB_DIR=/cache/wandb \
    HOME=/home/trainer \
    USER=trainer \
    LOGNAME=trainer

WORKDIR /app

# Dependencies first, so editing code does not reinstall them. The constraint keeps the base image's CUDA torch.
COPY requirements.txt requirements-gpu.txt requirements-reasoning-gym.txt constraints-gpu.txt ./
RUN python -m pip install -c constraints-gpu.txt -r requirements-gpu.txt

# Non-root user. The writable folders are world-writable (sticky) because train.sh runs the container as the
# calling host user's uid:gid, so files in the mounted output folder belong to that user.
RUN useradd --uid 10001 --create-home --shell /bin/bash trainer \
    && mkdir -p /cache/huggingface /app/gpt-oss-grpo \
    && chmod 1777 /cache /cache/huggingface /home/trainer /app/gpt-oss-grpo

COPY train.py reward_functions.py config.yaml ./
COPY gpt_oss_grpo/ gpt_oss_grpo/
COPY configs/ configs/

USER 10001
CMD ["python", "train.py"]
