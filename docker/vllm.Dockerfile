# vLLM generation server for GRPO with `grpo.use_vllm=true grpo.vllm_mode=server` (docs/scaling.md).
# Built by `./build.sh --vllm`. A separate image because vLLM pins its own torch and numpy<2.4, which cannot
# share an environment with the training image's pins (see requirements-gpu.txt). The server runs TRL's
# `trl vllm-serve`, which receives the trainer's updated weights over NCCL after each optimizer step.
FROM vllm/vllm-openai:v0.30.0

COPY requirements-vllm.txt /tmp/requirements-vllm.txt
RUN uv pip install --system --no-cache -r /tmp/requirements-vllm.txt

ENV HF_HOME=/cache/huggingface
ENTRYPOINT ["trl", "vllm-serve"]
CMD ["--help"]
