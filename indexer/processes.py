"""Process bookkeeping the jobs share: is a PID alive, and workers that die with their job.

A linking or re-linking worker blocks on its task queue. If the parent is
killed with SIGKILL (the OOM killer, ``kill -9``, a closed terminal's process
group not reaching it), nothing ever puts the end-of-work marker on that
queue, and the worker would wait forever holding a spaCy pipeline's memory.
A daemon thread in each worker watches its parent and ends the process when
the parent is gone: the reparenting shows in ``os.getppid()``. Polling is
portable (``prctl(PR_SET_PDEATHSIG)`` is Linux-only and fires when the
*thread* that forked ends, which would kill the workers of a pipeline built in
a short-lived thread).
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

POLL_SECONDS = 0.5


def exit_with_parent(parent_pid: int, poll: float = POLL_SECONDS) -> threading.Thread:
    """Start the watchdog thread; the process ``_exit``s once its job ``parent_pid`` is gone.

    A worker forked by a fork server has that server as its parent, not the job: it
    watches both (the server ends with the job, and the worker is then reparented).
    """
    watched = os.getppid()

    def watch() -> None:
        while os.getppid() == watched and (watched == parent_pid or pid_alive(parent_pid)):
            time.sleep(poll)
        os._exit(1)  # no cleanup to do: the parent owned every result and file

    thread = threading.Thread(target=watch, name="newslink-parent-watchdog", daemon=True)
    thread.start()
    return thread


def pid_alive(pid: int) -> bool:
    """Whether a process runs under ``pid`` (a zombie is dead).

    Lock files and build temp files carry the PID of their job; a job killed with
    SIGKILL leaves them behind, and this is how the next job tells them stale.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc: os.kill said it exists


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# A worker process costs a start (an interpreter, its imports, its own spaCy and
# gazetteer or KB connection) that only work can pay back: each worker must get at
# least this many chunks of the job, or the job runs in fewer processes.
MIN_CHUNKS_PER_WORKER = 2


def workers_for(items: int, chunk: int, max_workers: int, chunks_per_worker: int = MIN_CHUNKS_PER_WORKER) -> int:
    """How many of ``max_workers`` processes a job of ``items`` in chunks of ``chunk`` is worth."""
    return max(1, min(max_workers, items // max(1, chunk * chunks_per_worker)))
