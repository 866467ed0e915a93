"""The grader's limits, with their defaults written once.

:class:`Limits` holds what an instructor sets for a batch (the command line's options); :class:`JobLimits` is
what one student's job receives: the same numbers in the units the sandbox and the notebook loop use, and the
job's own uid. A job travels to its worker as JSON (:meth:`JobLimits.to_json` / :meth:`JobLimits.from_json`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = 30.0            # seconds per cell and test cell (c.Execute.timeout when configured)
    notebook_timeout: float = 300.0       # seconds for a whole notebook
    memory_mb: int = 2048                 # RLIMIT_AS of the student's kernel
    nproc: int = 64                       # RLIMIT_NPROC (processes and threads of the sandbox uid)
    fsize_mb: int = 64                    # largest file the student's code may write
    disk_mb: int = 256                    # size of the sandbox's scratch folder (and of its /tmp)
    output_limit: int = 20000             # characters of output kept per cell
    notebook_output_limit: int = 2_000_000  # characters of output kept per notebook
    worker_memory_mb: int = 3072          # RLIMIT_AS of each trusted grading process

    def with_options(self, **options) -> "Limits":
        """A copy with the options that are not None; an unknown option is an error naming it."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown grading limit(s) {unknown}; expected some of {sorted(known)}")
        return dataclasses.replace(self, **{k: v for k, v in options.items() if v is not None})

    def for_job(self, uid: int, sandbox: bool = True) -> "JobLimits":
        return JobLimits(
            cell_timeout=float(self.cell_timeout), notebook_timeout=float(self.notebook_timeout),
            output_limit=int(self.output_limit), notebook_output_limit=int(self.notebook_output_limit),
            sandbox=bool(sandbox), uid=int(uid), disk_bytes=int(self.disk_mb) * MB,
            rlimits={"as": int(self.memory_mb) * MB, "nproc": int(self.nproc), "fsize": int(self.fsize_mb) * MB,
                     "nofile": 256, "core": 0})


@dataclass(frozen=True)
class JobLimits:
    cell_timeout: float
    notebook_timeout: float
    output_limit: int
    notebook_output_limit: int
    sandbox: bool
    uid: int
    disk_bytes: int
    rlimits: dict = field(default_factory=dict)  # resource name -> value, applied by the student's kernel

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "JobLimits":
        return cls(**data)


DEFAULTS = Limits()


def for_course(config, **options) -> Limits:
    """The batch's limits: ``DEFAULTS``, nbgrader's own cell limit (``c.Execute.timeout`` of the course's
    ``config``) when it is set, then the ``options`` that are not None."""
    defaults = DEFAULTS
    if "timeout" in config.Execute and isinstance(config.Execute.timeout, (int, float)):
        defaults = defaults.with_options(cell_timeout=float(config.Execute.timeout))  # nbgrader's own limit
    return defaults.with_options(**options)
