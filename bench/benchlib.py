"""What every bench section shares: namespaces it creates and removes, timing, summaries,
tables and the machine description. Imported by bench/run."""

import os
import platform
import resource
import shlex
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
# babeld 1.14, built by scripts/mesh-daemons, for both sides (Debian's 1.12.1 where it is missing).
MESH_BIN = REPO / ".build" / "mesh" / "bin"
BABELD = str(MESH_BIN / "babeld") if (MESH_BIN / "babeld").exists() else "babeld"


# ---------------------------------------------------------------------------------------
# Namespaces: created here, tracked, and always removed again.


class Namespaces:
    """Creates `gwbench-<pid>-<n>` namespaces and removes exactly those."""

    def __init__(self):
        self.prefix = f"gwbench-{os.getpid()}-"
        self.counter = 0
        self.live = set()

    def create(self):
        self.counter += 1
        name = f"{self.prefix}{self.counter}"
        self.live.add(name)  # first: an interrupt right after `ip netns add` must still remove it
        sh(["ip", "netns", "add", name])
        sh(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    def delete(self, name):
        if name in self.live:
            subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
            self.live.discard(name)

    def delete_all(self):
        for name in sorted(self.live):
            self.delete(name)


def sh(argv, **kwargs):
    """Runs a setup command (never timed); fails loudly."""
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BenchError(f"{shlex.join(argv)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


class BenchError(Exception):
    pass


def timed(argv, env=None, cpu=None, name=None):
    """Wall time of one whole command, in seconds; its output is discarded, a failure is fatal.
    With `cpu` (a dict), also records the command's user and system CPU time under name-user/-sys."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu[f"{name}-user"] = after.ru_utime - before.ru_utime
        cpu[f"{name}-sys"] = after.ru_stime - before.ru_stime
    if result.returncode != 0:
        raise BenchError(f"{shlex.join(argv[:6])}... exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed


def cpu_times():
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields)  # idle + iowait, total


def quiesce(minimum=0.2, idle=0.9, timeout=5.0):
    """Waits until the CPUs are idle again: `ip netns del` returns at once, but the kernel
    cleans the namespace up (links, xtables, routes) afterwards, in the background, and that
    work would otherwise land in the next trial's time. Untimed."""
    time.sleep(minimum)
    deadline = time.monotonic() + timeout
    calm = 0
    while calm < 2 and time.monotonic() < deadline:
        idle0, total0 = cpu_times()
        time.sleep(0.1)
        idle1, total1 = cpu_times()
        calm = calm + 1 if (idle1 - idle0) >= idle * max(1, total1 - total0) else 0


def poll(condition, timeout, interval=0.02):
    """Seconds until `condition()` held, or None after `timeout`."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if condition():
            return time.perf_counter() - started
        time.sleep(interval)
    return None


def in_ns(ns, argv):
    return ["ip", "netns", "exec", ns] + argv


# ---------------------------------------------------------------------------------------
# Measurements and their summary.


@dataclass
class Cell:
    """Repeated wall times of one side at one size."""

    samples: list = field(default_factory=list)

    @property
    def n(self):
        return len(self.samples)

    @property
    def min(self):
        return min(self.samples)

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def max(self):
        return max(self.samples)


def fmt_time(seconds):
    if abs(seconds) < 0.00005:
        return "≈0 ms"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_cell(cell):
    if cell.n == 0:
        return "–"
    return f"{fmt_time(cell.min)} / {fmt_time(cell.median)} / {fmt_time(cell.max)}"


def fmt_ratio(x):
    return f"{x:.2f}×" if x < 10 else f"{x:.1f}×" if x < 100 else f"{x:.0f}×"


def text_table(header, rows):
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(c.rjust(w) if i != 2 and i != 3 else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" ---: " for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# The machine and versions.


def first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except OSError:
        return "?"


# Read when the bench starts: commits made while a long run goes on are not what it measured.
SOURCE_VERSION = first_line(["git", "-C", str(REPO), "describe", "--always", "--dirty"])


def machine():
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                      if l.startswith("MemTotal")).split()[1])
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True)
        swift_version = next((l for l in (swift.stdout + swift.stderr).splitlines() if "Swift version" in l), "?")
    except OSError:
        swift_version = "?"
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores visible (nproc {first_line(['nproc'])})"),
        ("Memory", f"{mem_kb / 1024 / 1024:.1f} GiB"),
        ("Kernel", f"{platform.system()} {platform.release()}"),
        ("Swift", swift_version),
        ("iptables", first_line(["iptables-legacy", "--version"])),
        ("iproute2", first_line(["ip", "-V"])),
        ("Python", platform.python_version()),
        ("gatewayd", f"{SOURCE_VERSION} (release build)"),
    ]


