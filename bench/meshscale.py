"""Section 8 of the benchmarks: the real mesh daemons (babeld 1.14, mmfd, l3roamd) under
`gatewayd run` at field scale — hundreds to thousands of mesh interfaces. Imported by bench/run.

The interfaces are static MESHIFS veth links, created in bulk (`ip -batch`) in a gateway
namespace with their peer ends in a second namespace: 2,000 wireguard-go processes (one
per peer tunnel on this host's userspace backend) do not fit on a 2-core machine. What is
measured is the daemons' side, which is the same for a veth and a tunnel: every interface
has to be registered with, and listed by, babeld, mmfd and l3roamd.

Two gatewayd builds can run side by side in one run (`--mesh-before BINARY`): each size
runs both, alternating which goes first, and the table shows their ratios."""

import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from benchlib import REPO, BenchError, fmt_time, in_ns, markdown_table, poll, quiesce, sh

OWNIP = "2001:db8:0:1::1"
DAEMONS = ("babeld", "mmfd", "l3roamd")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def unix_request(path, line, timeout=10):
    """One request on a daemon's unix socket, read to the end: real mmfd dies of SIGPIPE
    when a client closes before its reply is written."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(str(path))
        connection.sendall(line.encode())
        chunks = []
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                return b"".join(chunks).decode(errors="replace")
            chunks.append(chunk)


def babel_dump(path, timeout=30):
    """babeld's `dump` over its local socket: the reply ends at the `ok` after the dump."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(str(path))
        connection.sendall(b"dump\nquit\n")
        chunks = []
        while True:
            chunk = connection.recv(1 << 20)
            if not chunk:
                return b"".join(chunks).decode(errors="replace")
            chunks.append(chunk)


# Lines of a daemon's output that report a problem (babeld, mmfd and l3roamd print their
# errors as perror()/fprintf(stderr) text, without a level).
DAEMON_ERROR = re.compile(r"error|fail|No buffer space|[Cc]ould ?n[o']t|cannot|unknown|ignor|[Ww]arning|"
                          r"truncated|Too many|denied|invalid", re.IGNORECASE)


class MeshScale:
    def __init__(self, variants, workdir, namespaces, log, mesh_bin, timeout, idle_seconds):
        self.variants = variants  # name → gatewayd binary, in run order
        self.workdir = workdir
        self.namespaces = namespaces
        self.log = log
        self.mesh_bin = Path(mesh_bin)
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        for daemon in DAEMONS:
            if not (self.mesh_bin / daemon).exists():
                raise BenchError(f"{self.mesh_bin / daemon} missing: build the real daemons with scripts/mesh-daemons "
                                 "(MESH_SOURCES=/work/shared/upstream where GitHub is not reachable)")

    @staticmethod
    def names(size):
        return [f"mesh{i}" for i in range(size)]

    # -- setup ------------------------------------------------------------------------

    def network(self, size):
        """A gateway namespace with `size` veth links up, their peer ends up in a second
        namespace (untimed). Without DAD: the link-local address every daemon needs is
        there at once, so the kernel's DAD timers do not enter the daemons' times."""
        gw, peer = self.namespaces.create(), self.namespaces.create()
        for ns in (gw, peer):
            sh(in_ns(ns, ["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0"]))
        sh(["ip", "-n", gw, "-6", "addr", "add", f"{OWNIP}/128", "dev", "lo", "nodad"])
        names = self.names(size)
        sh(["ip", "-n", gw, "-batch", "-"],
           input="".join(f"link add {n} type veth peer name {n} netns {peer}\n" for n in names))
        sh(["ip", "-n", peer, "-batch", "-"], input="".join(f"link set {n} up\n" for n in names))
        sh(["ip", "-n", gw, "-batch", "-"], input="".join(f"link set {n} up\n" for n in names))
        up = lambda: sum(1 for line in sh(["ip", "-n", gw, "-br", "link"]).splitlines()
                         if line.startswith("mesh") and " UP " in line) == size
        if poll(up, 60, 0.2) is None:
            raise BenchError(f"the {size} veth links did not all come up")
        return gw, peer

    def env_file(self, directory, size):
        values = {
            "WHOLENET": "2001:db8::/40", "NODEPREFIX": "2001:db8:0:1::/64", "CLIENTPREFIX": "2001:db8:0:2::/64",
            "NEXTNODE": "2001:db8:0:2::1", "OWNIP": OWNIP, "WG_BACKEND": "userspace",
            "MESHIFS": " ".join(self.names(size)),
            # The operator of a gateway this size allows as many peers.
            "MAXCONNECTIONS": str(size), "STARTPORT": "40000", "ENDPORT": str(40000 + size + 100),
            "BABELD": str(self.mesh_bin / "babeld"), "MMFD": str(self.mesh_bin / "mmfd"),
            "L3ROAMD": str(self.mesh_bin / "l3roamd"),
            "MMFDSOCK": str(directory / "mmfd.sock"), "L3ROAMDSOCK": str(directory / "l3roamd.sock"),
            "RUNDIR": str(directory / "run"), "STATEDIR": str(directory / "state"),
            "PRIVATEKEY": str(directory / "private.key"), "CONTROLSOCKET": str(directory / "control.sock"),
            "SWEEPINTERVAL": "86400",
        }
        path = directory / "env-file"
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        return path

    # -- reading the daemons ----------------------------------------------------------

    def listed(self, daemon, gateway, expected):
        """How many of the expected interfaces the daemon lists now (0 when it does not answer)."""
        try:
            if daemon == "babeld":
                dump = babel_dump(gateway["babel"])
                up = {line.split()[2] for line in dump.splitlines()
                      if line.startswith("add interface ") and " up true" in line}
                return len(up & expected)
            reply = unix_request(gateway[daemon], "get_meshifs\n")
            return len(set(json.loads(reply).get("mesh_interfaces", [])) & expected)
        except (OSError, ValueError, IndexError):
            return 0

    def pids(self, gw):
        found = {}
        for pid in subprocess.run(["ip", "netns", "pids", gw], capture_output=True, text=True).stdout.split():
            try:
                found.setdefault(Path(f"/proc/{pid}/comm").read_text().strip(), []).append(int(pid))
            except OSError:
                pass
        return found

    def pid_of(self, gw, name):
        pids = self.pids(gw).get(name, [])
        return pids[0] if len(pids) == 1 else None

    @staticmethod
    def cpu_seconds(pid):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

    @staticmethod
    def rss_mib(pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    # -- one trial ----------------------------------------------------------------------

    def trial(self, variant, size):
        """gatewayd `variant` with `size` static mesh interfaces: start → every daemon lists
        every interface; idle CPU and RSS; kill -9 of each daemon → listed again; errors."""
        load_before = Path("/proc/loadavg").read_text().split()[0]
        gw, peer = self.network(size)
        directory = Path(tempfile.mkdtemp(prefix=f"{gw}-{variant}-", dir=self.workdir))
        gateway = {"babel": directory / "run" / "babeld.sock", "mmfd": directory / "mmfd.sock",
                   "l3roamd": directory / "l3roamd.sock", "log": directory / "gatewayd.log"}
        expected = set(self.names(size))
        measured = {}
        process = None
        try:
            env_file = self.env_file(directory, size)
            started = time.perf_counter()
            process = subprocess.Popen(in_ns(gw, ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGTERM",
                                                  self.variants[variant], "run", "--env-file", str(env_file)]),
                                       stdout=open(gateway["log"], "w"), stderr=subprocess.STDOUT)
            measured.update(self.until_listed(gw, gateway, expected, started, "start", process))
            # Idle: nothing changes any more; what each daemon costs per minute at this size.
            time.sleep(5)
            measured.update(self.idle(gw))
            for daemon in DAEMONS:
                measured[f"kill-{daemon}"], measured[f"kill-cpu-{daemon}"] = \
                    self.kill_and_wait(gw, gateway, expected, daemon, process)
            measured["errors"] = self.errors(gateway["log"])
            measured["load"] = f"{load_before} → {Path('/proc/loadavg').read_text().split()[0]}"
            return measured
        finally:
            self.discard(gw, peer, process, size)

    def until_listed(self, gw, gateway, expected, started, label, process):
        """Seconds from `started` until each daemon listed every interface (None: not
        within the timeout), and the CPU seconds the daemon had used by then (under load
        the wall time stretches; the CPU time much less)."""
        done, cpu = {}, {}
        while len(done) < len(DAEMONS) and time.perf_counter() - started < self.timeout:
            if process.poll() is not None:
                raise BenchError(f"gatewayd exited {process.returncode}: {gateway['log'].read_text()[-3000:]}")
            for daemon in DAEMONS:
                if daemon not in done and self.listed(daemon, gateway, expected) == len(expected):
                    done[daemon] = time.perf_counter() - started
                    cpu[daemon] = self.cpu_of(gw, daemon)
            time.sleep(0.2)
        return {**{f"{label}-{daemon}": done.get(daemon) for daemon in DAEMONS},
                **{f"{label}-cpu-{daemon}": cpu.get(daemon) for daemon in DAEMONS}}

    def cpu_of(self, gw, daemon):
        try:
            return self.cpu_seconds(self.pid_of(gw, daemon))
        except (OSError, TypeError):
            return None

    def idle(self, gw):
        pids = {name: self.pid_of(gw, name) for name in DAEMONS + ("gatewayd",)}
        before = {name: self.cpu_seconds(pid) for name, pid in pids.items() if pid}
        time.sleep(self.idle_seconds)
        result = {}
        for name, pid in pids.items():
            try:
                result[f"cpu-{name}"] = (self.cpu_seconds(pid) - before[name]) * 60 / self.idle_seconds
                result[f"rss-{name}"] = self.rss_mib(pid)
            except (OSError, KeyError, TypeError):
                result[f"cpu-{name}"] = result[f"rss-{name}"] = None
        return result

    def kill_and_wait(self, gw, gateway, expected, daemon, process):
        """kill -9 of the daemon; seconds until a new instance lists every interface."""
        old = self.pid_of(gw, daemon)
        if old is None:
            return None, None
        os.kill(old, signal.SIGKILL)
        started = time.perf_counter()

        def back():
            if process.poll() is not None:
                raise BenchError(f"gatewayd exited {process.returncode}")
            pid = self.pid_of(gw, daemon)
            return pid not in (None, old) and self.listed(daemon, gateway, expected) == len(expected)
        waited = poll(back, self.timeout, 0.1)
        cpu = self.cpu_of(gw, daemon)
        time.sleep(2)  # the restarted daemon's registrations settle before the next kill
        return waited, cpu

    def errors(self, log_path):
        """Problem lines per daemon, from gatewayd's log (each child's output is logged
        there with child=NAME), and gatewayd's own warnings, minus the bench's own kills."""
        counts = {}
        for line in log_path.read_text(errors="replace").splitlines():
            child = re.search(r"child=(\w+)", line)
            if child:
                if DAEMON_ERROR.search(line):
                    key = (child.group(1), self.message(line))
                    counts[key] = counts.get(key, 0) + 1
            elif re.search(r"\b(warning|error|critical)\b", line) and "signal 9" not in line and "SIGKILL" not in line:
                key = ("gatewayd", self.message(line))
                counts[key] = counts.get(key, 0) + 1
        return counts

    @staticmethod
    def message(line):
        """The line without its time stamp and with interface names folded, so that the same
        error on 2,000 interfaces counts as one message."""
        text = re.sub(r"^.*?child=\w+ \[\w+\] ", "", line.strip())  # gatewayd's prefix of a child's line
        text = re.sub(r"^\S+T\S+\s+", "", text)
        text = re.sub(r"mesh\d+", "meshN", text)
        text = re.sub(r"pid=\d+|\[\d+\]", "", text)
        return text[:200]

    def discard(self, gw, peer, process, size):
        """Stops gatewayd and whatever else runs in the namespaces, deletes the links
        (synchronously, so the kernel's cleanup does not run into the next trial) and the
        namespaces."""
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for ns in (gw, peer):
            for pid in subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        subprocess.run(["ip", "-n", gw, "-batch", "-"], input="".join(f"link del {n}\n" for n in self.names(size)),
                       text=True, capture_output=True)
        for ns in (gw, peer):
            self.namespaces.delete(ns)
        quiesce(timeout=30)

    # -- the section ----------------------------------------------------------------------

    def run(self, sizes):
        """{size: {variant: measured}}; variants alternate which goes first."""
        results = {}
        for index, size in enumerate(sizes):
            order = list(self.variants)
            if index % 2:
                order.reverse()
            results[size] = {}
            for variant in order:
                self.log(f"  mesh-scale: {size} interfaces, {variant} ...")
                try:
                    measured = self.trial(variant, size)
                except BenchError as error:
                    self.log(f"  mesh-scale: {size} interfaces, {variant}: FAILED: {str(error)[:3000]}")
                    measured = {"failed": str(error).splitlines()[0][:300]}
                results[size][variant] = measured
                self.log(f"  mesh-scale: {size} interfaces, {variant}: {summary(measured)}")
        return results


def seconds(value, timeout=None):
    if value is None:
        return f"not within {timeout:.0f} s" if timeout else "–"
    return fmt_time(value)


def summary(measured):
    if "failed" in measured:
        return "failed: " + measured["failed"]
    return ", ".join(f"{k} {seconds(v) if isinstance(v, float) or v is None else v}"
                     for k, v in measured.items() if k.startswith(("start-", "kill-")) and "-cpu-" not in k)


def table(results, variants, timeout):
    """Rows: size × variant; columns: start and kill -9 per daemon, idle CPU, RSS, errors."""
    header = ["mesh ifs", "gatewayd", "load (1 min)", "start → listed: babeld / mmfd / l3roamd",
              "kill -9 → listed again: babeld / mmfd / l3roamd",
              "CPU s until listed, start / kill -9: babeld, mmfd, l3roamd", "idle CPU s/min: babeld / mmfd / l3roamd / gatewayd",
              "RSS MiB: babeld / mmfd / l3roamd / gatewayd", "problem lines: errors (warnings)"]
    rows = []
    for size, by_variant in results.items():
        for variant in variants:
            m = by_variant.get(variant)
            if m is None:
                continue
            if "failed" in m:
                rows.append([str(size), variant, "–", f"failed: {m['failed']}", "", "", "", "", ""])
                continue
            number = lambda v, f: "–" if v is None else f.format(v)
            rows.append([
                str(size), variant, m["load"],
                " / ".join(seconds(m[f"start-{d}"], timeout) for d in DAEMONS),
                " / ".join(seconds(m[f"kill-{d}"], timeout) for d in DAEMONS),
                ", ".join(f"{number(m.get(f'start-cpu-{d}'), '{:.2f}')} / {number(m.get(f'kill-cpu-{d}'), '{:.2f}')}"
                          for d in DAEMONS),
                " / ".join(number(m.get(f"cpu-{d}"), "{:.2f}") for d in DAEMONS + ("gatewayd",)),
                " / ".join(number(m.get(f"rss-{d}"), "{:.1f}") for d in DAEMONS + ("gatewayd",)),
                " / ".join(f"{d} {problems(m['errors'], d)}" for d in DAEMONS + ("gatewayd",)),
            ])
    return header, rows


def problems(errors, who):
    """`errors (warnings)`: lines of `who` that say warning are counted apart."""
    warnings = sum(c for (w, message), c in errors.items() if w == who and "warning" in message.lower())
    total = sum(c for (w, _), c in errors.items() if w == who)
    return f"{total - warnings} ({warnings})"


def ratio_rows(results, variants):
    """after ÷ before for each time measured in both, per size."""
    if len(variants) != 2:
        return None, []
    before, after = variants
    header = ["mesh ifs"] + [f"{phase} {d}" for phase in ("start", "kill") for d in DAEMONS]
    rows = []
    for size, by_variant in results.items():
        a, b = by_variant.get(after, {}), by_variant.get(before, {})
        row = [str(size)]
        for phase in ("start", "kill"):
            for d in DAEMONS:
                x, y = a.get(f"{phase}-{d}"), b.get(f"{phase}-{d}")
                row.append("–" if x is None or y is None else f"{x / y:.2f}×")
        rows.append(row)
    return header, rows


def error_details(results, variants):
    """Each distinct problem line, counted, per size and variant."""
    out = []
    for size, by_variant in results.items():
        for variant in variants:
            errors = by_variant.get(variant, {}).get("errors") or {}
            if not errors:
                continue
            out.append(f"- {size} interfaces, {variant}:")
            for (who, message), count in sorted(errors.items(), key=lambda item: -item[1])[:12]:
                out.append(f"  - {who}, {count}×: `{message.replace('`', '')}`")
    return "\n".join(out) or "- none"
