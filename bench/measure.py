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


def paired_median_times(ours, baseline, *, runs=3, warmup=1):
    """(median seconds of `ours()`, median seconds of `baseline()`), the two run in turn — ours,
    baseline, ours, … — so that a load that comes and goes on shared cores falls on both alike
    and their ratio holds, where `runs` of one then `runs` of the other measured whichever ran in
    the busier minute."""
    times = {ours: [], baseline: []}
    for number in range(warmup + runs):
        for work in (ours, baseline):
            started = time.perf_counter()
            work()
            elapsed = time.perf_counter() - started
            if number >= warmup:
                times[work].append(elapsed)
    return statistics.median(times[ours]), statistics.median(times[baseline])


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
    # The child's ru_maxrss counts the memory of this process it was forked from (Linux records the
    # old memory's high-water mark at exec): every import read as this process's 150 MB. A child
    # that tells its own high-water mark (bench/child.py: PEAK_MARK) is taken at its word.
    told = [line for line in errors.splitlines() if line.startswith(PEAK_MARK)]
    if told:
        return elapsed, int(told[-1].removeprefix(PEAK_MARK)) / 1024, output
    # ru_maxrss is in kilobytes on Linux.
    return elapsed, usage.ru_maxrss / 1024, output


PEAK_MARK = "bench peak kB: "


def own_peak_kb():
    """This process's peak resident memory in kB since it started (VmHWM), or None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def process_stop(process, *, timeout=20):
    """Stop a child process the benchmark started: asked to end, then killed after `timeout` s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
