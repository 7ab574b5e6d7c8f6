"""Timing helpers: medians after a warm-up, and a child process's wall time and peak memory."""

import os
import statistics
import subprocess
import tempfile
import time


def median_time(work, *, runs=3, warmup=1, before=None):
    """Median wall-clock seconds of `work()` over `runs` runs after `warmup` untimed ones.
    `before()`, untimed, runs before each of them (to put the data back where a run starts)."""
    times = []
    for number in range(warmup + runs):
        if before is not None:
            before()
        started = time.perf_counter()
        work()
        elapsed = time.perf_counter() - started
        if number >= warmup:
            times.append(elapsed)
    return statistics.median(times)


def child_time_and_peak(command, *, env=None, cwd=None):
    """(seconds, peak resident memory in MB) of a command run to its end; raises on failure."""
    # Output goes to files, not pipes: a pipe nobody reads until the end fills up and stalls the child.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{errors[-2000:]}")
    # ru_maxrss is in kilobytes on Linux.
    return elapsed, usage.ru_maxrss / 1024, output


def process_stop(process, *, timeout=20):
    """Stop a child process the benchmark started: asked to end, then killed after `timeout` s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
