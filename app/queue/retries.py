"""How often and when a job that raised is tried again (the app's settings, read per worker)."""

from __future__ import annotations

from dataclasses import dataclass

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job


@dataclass
class RetrySettings:
    max_attempts: int = 3
    first_wait_seconds: float = 30.0
    #: The longest wait between two attempts.
    max_wait_seconds: float = 3600.0


#: Set by each worker from its app's config (app.queue.worker.configure_worker); one app per
#: worker process, so one setting per process.
SETTINGS = RetrySettings()


def is_last_attempt(job: Job) -> bool:
    """`job.attempts` counts the attempts before this one."""
    return job.attempts + 1 >= max(1, SETTINGS.max_attempts)


def wait_before_retry(attempts_done: int) -> float:
    """Doubling backoff: first_wait, 2x, 4x, ... capped."""
    return min(SETTINGS.first_wait_seconds * (2 ** max(0, attempts_done - 1)), SETTINGS.max_wait_seconds)


class ConfiguredRetry(BaseRetryStrategy):
    """Retry any exception until MSSP_JOB_MAX_ATTEMPTS attempts were made."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if is_last_attempt(job):
            return None
        return RetryDecision(retry_in={"seconds": wait_before_retry(job.attempts + 1)})
