"""The ``sandbox:`` section of config.yaml, and the settings every later evaluation in this process uses."""

import os

from pydantic import BaseModel, ConfigDict, Field


class SandboxSettings(BaseModel):
    """How candidates run: the ``sandbox:`` section of config.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # frozen: the probe is cached per settings

    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, description="candidates run at once"
    )
    timeout_s: float = Field(
        20.0, gt=0, description="wall-clock budget for one completion's whole evaluation"
    )
    call_timeout_s: float = Field(5.0, gt=0, description="wall-clock budget for one call or one test snippet")
    cpu_s: int = Field(30, ge=1, description="CPU-seconds limit of a child (RLIMIT_CPU)")
    memory_mb: int = Field(1024, ge=64, description="address-space limit of a child in MiB (RLIMIT_AS)")
    file_size_mb: int = Field(16, ge=1, description="largest file a child may write, output included")
    open_files: int = Field(64, ge=16, description="open file descriptors per child")
    max_processes: int = Field(64, ge=1, description="process limit (RLIMIT_NPROC; root ignores it)")
    output_bytes: int = Field(65536, ge=0, description="how much of a child's stdout/stderr is kept")
    landlock: bool = Field(True, description="use Landlock when the kernel offers it")
    seccomp: bool = Field(True, description="use a seccomp filter when the architecture is supported")
    network_namespace: bool = Field(True, description="run in an empty network namespace when possible")
    pid_namespace: bool = Field(
        True, description="without seccomp: a pid namespace so no descendant outlives"
    )
    drop_privileges: bool = Field(True, description="run as nobody when root and the interpreter allows it")
    python: str = Field("", description="interpreter for candidates (stdlib only); empty = the trainer's own")
    speed_matrix_size: int = Field(40, ge=8, le=256, description="n of the n×n matrices the speed trials use")
    speed_trials: int = Field(
        7, ge=1, le=50, description="timed trials per candidate (the median ratio counts)"
    )


_settings = SandboxSettings()


def configure(settings: SandboxSettings) -> None:
    """Use ``settings`` for every later evaluation in this process."""
    global _settings
    _settings = settings


def settings() -> SandboxSettings:
    return _settings
