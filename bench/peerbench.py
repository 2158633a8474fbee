"""Sections 2–5 of the benchmarks: peer provisioning (gatewayd's broker against a model of
the seed's bash wg-broker), operations at scale (gwctl, reload, memory) and restart.
The same WireGuard on both sides: wireguard-go on this host (its kernel has no WireGuard),
kernel WireGuard inside the VM (bench/run --vm). Imported by bench/run."""

import base64
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchlib import BABELD, BENCH, BenchError, Cell, fmt_ratio, fmt_time, in_ns, markdown_table, poll, quiesce, sh, timed

GATEWAY = "2001:db8:ff::1"
CLIENT = "2001:db8:ff::2"
BROKERPORT = 40000
WIREGUARD_SOCKETS = Path("/var/run/wireguard")


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]



class PeerBench:
    sides = ("seed", "gatewayd")

    def __init__(self, gatewayd, gwctl, workdir, namespaces, log, backend="userspace", babeld_kill_max=2000,
                 sweep_remove_max=2000):
        self.backend = backend
        self.babeld_kill_max = babeld_kill_max
        self.sweep_remove_max = sweep_remove_max
        self.failures = {}  # scale size → why its trial failed
        self.babel_wait = 120 if backend == "userspace" else 900
        self.gatewayd = gatewayd
        self.gwctl = gwctl
        self.workdir = workdir
        self.namespaces = namespaces
        self.log = log

    # -- setup ------------------------------------------------------------------------

    def pair(self):
        """A gateway namespace and a client namespace joined by a veth (untimed)."""
        gw, client = self.namespaces.create(), self.namespaces.create()
        sh(["ip", "-n", gw, "link", "add", "wan0", "type", "veth", "peer", "name", "up0", "netns", client])
        sh(["ip", "-n", gw, "-6", "addr", "add", f"{GATEWAY}/64", "dev", "wan0", "nodad"])
        sh(["ip", "-n", client, "-6", "addr", "add", f"{CLIENT}/64", "dev", "up0", "nodad"])
        sh(["ip", "-n", gw, "link", "set", "wan0", "up"])
        sh(["ip", "-n", client, "link", "set", "up0", "up"])
        return gw, client

    def keys(self, count):
        path = Path(tempfile.mkstemp(prefix="keys-", dir=self.workdir)[1])
        path.write_text("".join(base64.b64encode(os.urandom(32)).decode() + "\n" for _ in range(count)))
        return path

    def directory(self, gw):
        path = Path(tempfile.mkdtemp(prefix=f"{gw}-", dir=self.workdir))
        return path

    def start_gatewayd(self, gw, count):
        """`gatewayd run` as PID 1 of a PID namespace, as in a container (untimed)."""
        directory = self.directory(gw)
        values = {
            "WHOLENET": "2001:db8::/40", "NODEPREFIX": "2001:db8:0:1::/64", "CLIENTPREFIX": "2001:db8:0:2::/64",
            "NEXTNODE": "2001:db8:0:2::1", "WAN": "wan0", "WG_BACKEND": self.backend, "BABELD": BABELD, "MMFD": "off", "L3ROAMD": "off",
            "MAXCONNECTIONS": str(count + 10), "ENDPORT": str(40000 + count + 100), "RUNDIR": str(directory / "run"), "STATEDIR": str(directory / "state"),
            "PRIVATEKEY": str(directory / "private.key"), "CONTROLSOCKET": str(directory / "control.sock"),
            # The bench's peers never handshake and the bench runs its sweeps itself: the
            # periodic one (default every 300 s) would remove them during a long trial, and
            # so would the provisional grace (120 s); and all its requests come from one
            # source, which the per-source quota of provisional peers (8) would refuse.
            "SWEEPINTERVAL": "86400", "PROVISIONALGRACE": "86400", "PROVISIONALPERSOURCE": "65535",
        }
        env_file = directory / "env-file"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        log = open(directory / "gatewayd.log", "w")
        process = subprocess.Popen(in_ns(gw, ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGTERM",
                                              self.gatewayd, "run", "--env-file", str(env_file)]),
                                   stdout=log, stderr=subprocess.STDOUT)
        gateway = {"process": process, "directory": directory, "env": env_file, "control": directory / "control.sock",
                   "babel": directory / "run" / "babeld.sock", "log": directory / "gatewayd.log"}
        if poll(lambda: self.gwctl_ok(gateway, "health"), 60, 0.1) is None:
            raise BenchError(f"gatewayd did not become healthy: {gateway['log'].read_text()[-2000:]}")
        return gateway

    def gwctl_ok(self, gateway, *arguments):
        return subprocess.run([self.gwctl, "--socket", str(gateway["control"]), *arguments],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    def start_seed(self, gw, count):
        """babeld with wg-docker's control port and the broker model behind a server that
        takes one connection at a time, as the seed's `nc -l` loop (untimed)."""
        directory = self.directory(gw)
        key = directory / "private.key"
        key.write_text(sh(["wg", "genkey"]))
        babeld = subprocess.Popen(in_ns(gw, [BABELD, "-I", "", "-S", str(directory / "babel-state"), "-G", "33123",
                                             "-C", "interface seed-placeholder"]),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The same port range as the gateway's (start_gatewayd), so both can hold count + NEXT peers.
        env = dict(os.environ, STARTPORT="40000", ENDPORT=str(40000 + count + 100), MTU="1374", KEYFILE=str(key),
                   BABELPORT="33123", SEED_WIREGUARD=self.backend)
        # -t 60: after the client half-closes, wait for the reply (socat gives up after 0.5 s).
        # The script's stderr goes to broker.log, as the seed's to its log: on the connection,
        # a command's complaint would corrupt the JSON reply.
        server = subprocess.Popen(in_ns(gw, ["socat", "-t", "60", f"TCP6-LISTEN:{BROKERPORT},reuseaddr,fork,max-children=1,backlog=128",
                                             f"EXEC:{BENCH / 'seed-wg-broker.sh'}"]),
                                  env=env, stdout=subprocess.DEVNULL, stderr=open(directory / "broker.log", "w"))
        listening = lambda: f":{BROKERPORT} " in sh(in_ns(gw, ["ss", "-Hltn"])) and \
            subprocess.run(in_ns(gw, ["sh", "-c", "printf 'quit\\n' | socat -t 1 - TCP6:[::1]:33123"]),
                           capture_output=True).returncode == 0
        if poll(listening, 20, 0.05) is None:
            raise BenchError("the seed model's broker or babeld did not start")
        return {"processes": [server, babeld], "env": env}

    def discard(self, gw, client, running):
        """Stops everything in the namespaces, deletes them and the UAPI sockets of their
        wireguard-go processes (the socket directory is machine-wide)."""
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for ns in (gw, client):
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            self.namespaces.delete(ns)
        for socket_file in WIREGUARD_SOCKETS.glob("babel-wg-*.sock"):
            socket_file.unlink(missing_ok=True)
        quiesce()

    # -- measuring ----------------------------------------------------------------------

    def request_all(self, client, keys, concurrency):
        out = sh(in_ns(client, [str(BENCH / "broker-client"), "--target", f"[{GATEWAY}]:{BROKERPORT}",
                                "--keys", str(keys), "--concurrency", str(concurrency),
                                # Under emulation (the VM) the seed's queue of 16 takes minutes.
                                "--timeout", "300" if self.backend == "userspace" else "900"]))
        result = json.loads(out)
        failed = [r for r in result["requests"] if not r or r.get("port") is None]
        if failed:
            raise BenchError(f"{len(failed)} requests got no port, e.g. {failed[0]}{self.log_excerpts()}")
        ports = [r["port"] for r in result["requests"]]
        if len(set(ports)) != len(ports):
            raise BenchError("two peers got the same port")
        return result

    def log_excerpts(self):
        """Each log's lines that say why (refusals, errors), then its tail: at 10,000 peers
        the tail alone is daemon chatter."""
        def excerpt(path):
            lines = path.read_text(errors="replace").splitlines()
            # The same message again and again (a periodic failure) is shown once, counted.
            counts = {}
            for line in lines:
                if re.search(r"refused| error | critical ", line):
                    message = line.split(" ", 1)[-1]
                    counts[message] = counts.get(message, 0) + 1
            notable = [f"{count}× {message}" for message, count in list(counts.items())[-30:]]
            return "\n".join(notable + ["..."] + lines[-10:])
        return "".join(f"\n--- {path}:\n{excerpt(path)}" for path in Path(self.workdir).glob("*/*.log"))

    def peer_interfaces(self, gw):
        return [line.split()[0] for line in sh(["ip", "-n", gw, "-br", "link"]).splitlines()
                if line.startswith("babel-wg-")]

    def serving(self, gw, count):
        """Every peer interface is up and its UDP port is open."""
        # TUN links report state UNKNOWN: the UP flag is what tells.
        up = [l for l in sh(["ip", "-n", gw, "-br", "link"]).splitlines() if l.startswith("babel-wg-") and ",UP" in l]
        ports = {line.split()[3].rsplit(":", 1)[-1] for line in sh(in_ns(gw, ["ss", "-Huln"])).splitlines()}
        # The gateway's port range grows with the peer count (start_gatewayd's ENDPORT).
        open_ports = [p for p in ports if p.isdigit() and 40000 <= int(p) < 40000 + count + 100]
        return len(up) == count and len(open_ports) == count

    def babel_interfaces(self, gw, socket_path):
        dump = subprocess.run(in_ns(gw, ["sh", "-c", f"printf 'dump\\nquit\\n' | socat -t 1 - UNIX-CONNECT:{socket_path}"]),
                              capture_output=True, text=True).stdout
        return sum(1 for line in dump.splitlines() if line.startswith("add interface babel-wg-"))

    def pid_of(self, gw, name):
        for pid in subprocess.run(["ip", "netns", "pids", gw], capture_output=True, text=True).stdout.split():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                    return int(pid)
            except OSError:
                pass
        return None

    def rss_mib(self, pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def trial(self, side, count, concurrency, extras):
        """One provisioning trial; with `extras`, also the gatewayd-only measurements."""
        gw, client = self.pair()
        running = []
        try:
            keys = self.keys(count)
            if side == "seed":
                running += self.start_seed(gw, count)["processes"]
            else:
                gateway = self.start_gatewayd(gw, count)
                running.append(gateway["process"])
                gatewayd_pid = self.pid_of(gw, "gatewayd")
                idle_rss = self.rss_mib(gatewayd_pid)
            result = self.request_all(client, keys, concurrency)
            if len(self.peer_interfaces(gw)) != count or not self.serving(gw, count):
                raise BenchError(f"{side}: {len(self.peer_interfaces(gw))} peer interfaces after {count} requests")
            latencies = [r["latency"] for r in result["requests"]]
            measured = {"wall": result["wall"], "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
                        "retries": sum(r["retries"] for r in result["requests"])}
            # The same keys again: a known key gets its port back, nothing is provisioned, so
            # this is the broker's own request rate.
            again = self.request_all(client, keys, concurrency)
            if [r["port"] for r in again["requests"]] != [r["port"] for r in result["requests"]]:
                raise BenchError(f"{side}: a repeated request got a different port")
            measured["repeat"] = again["wall"]
            if extras:
                measured["next"] = self.next_requests(client)
                count += self.NEXT
            if side == "gatewayd" and extras:
                measured.update(self.scale(gateway, gatewayd_pid, idle_rss, count))
                measured.update(self.restart(gw, gateway, count, running))
                measured.update(self.sweep_all(gw, gateway, count))
            return measured
        finally:
            self.discard(gw, client, running)

    # Requests for new keys, one at a time, once N peers are there: what one more node costs.
    NEXT = 5

    def next_requests(self, client):
        """Median seconds of NEXT new-key requests sent one at a time to a gateway that
        already holds its peers: the cost of the next node, at this size."""
        result = self.request_all(client, self.keys(self.NEXT), 1)
        return statistics.median(r["latency"] for r in result["requests"])

    def seed_next(self, count):
        """The seed model filled to `count` peers as its broker would leave them (untimed,
        bench/seed-fill.sh), then NEXT new requests through its broker, timed."""
        gw, client = self.pair()
        running = []
        try:
            seed = self.start_seed(gw, count + self.NEXT)
            running += seed["processes"]
            env = dict(seed["env"], KEYFILE_GATEWAY=seed["env"]["KEYFILE"])
            subprocess.run(in_ns(gw, [str(BENCH / "seed-fill.sh"), str(self.keys(count))]), env=env, check=True,
                           stdout=subprocess.DEVNULL)
            if len(self.peer_interfaces(gw)) != count:
                raise BenchError(f"seed fill: {len(self.peer_interfaces(gw))} interfaces, expected {count}")
            measured = {"next": self.next_requests(client)}
            if len(self.peer_interfaces(gw)) != count + self.NEXT or not self.serving(gw, count + self.NEXT):
                raise BenchError(f"seed: {len(self.peer_interfaces(gw))} peer interfaces after {count} + {self.NEXT}")
            return measured
        finally:
            self.discard(gw, client, running)

    def control_request(self, socket_path, command, timeout=120, **fields):
        """Seconds for one control-socket request → its whole reply, without gwctl's process
        start (the daemon's own share of `gwctl peers list`), and the reply."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(socket_path)
            reader = connection.makefile("rb")
            reader.readline()  # the greeting
            started = time.perf_counter()
            connection.sendall(json.dumps({"version": 1, "command": command, **fields}).encode() + b"\n")
            reply = json.loads(reader.readline())
            elapsed = time.perf_counter() - started
        if not reply.get("ok"):
            raise BenchError(f"control request {command}: {reply}")
        return elapsed, reply

    def sweep_all(self, gw, gateway, count):
        """The idle sweep for real, twice (the bench's peers never handshake): the first
        finds nothing to remove yet (one strike each), the second removes all of them."""
        socket_path = str(gateway["control"])
        first, reply = self.control_request(socket_path, "sweep", timeout=1800)
        if reply["sweep"]["removed"] or reply["sweep"]["examined"] != count:
            raise BenchError(f"first sweep: {reply['sweep']['examined']} examined, {len(reply['sweep']['removed'])} removed")
        if count > self.sweep_remove_max:
            return {"sweep": first, "sweep-remove": float("nan")}
        second, reply = self.control_request(socket_path, "sweep", timeout=1800)
        if len(reply["sweep"]["removed"]) != count or self.peer_interfaces(gw):
            raise BenchError(f"second sweep removed {len(reply['sweep']['removed'])} of {count}; "
                             f"{len(self.peer_interfaces(gw))} interfaces left")
        return {"sweep": first, "sweep-remove": second}

    def scale(self, gateway, pid, idle_rss, count):
        """gwctl peers list --json and a no-change reload, with `count` peers; memory."""
        socket_path = str(gateway["control"])
        listing = [timed([self.gwctl, "--socket", socket_path, "peers", "list", "--json", "--timeout", "600"])
                   for _ in range(5)]
        on_socket = [self.control_request(socket_path, "peers", timeout=600)[0] for _ in range(5)]
        dry_sweep = [self.control_request(socket_path, "sweep", timeout=600, dryRun=True)[0] for _ in range(3)]
        reload = [timed([self.gwctl, "--socket", socket_path, "reload", "--timeout", "600"]) for _ in range(3)]
        return {"list": statistics.median(listing), "list-socket": statistics.median(on_socket),
                "sweep-dry": statistics.median(dry_sweep),
                "reload": statistics.median(reload), "rss-idle": idle_rss, "rss": self.rss_mib(pid)}

    def restart(self, gw, gateway, count, running):
        """babeld killed: until every interface is registered again; gatewayd killed (-9,
        PID 1: its wireguard-go children die with it; kernel interfaces stay) and started:
        until every peer serves and gatewayd is healthy (peers restored, broker open)."""
        babel = None
        if count <= self.babeld_kill_max:
            babeld = self.pid_of(gw, "babeld")
            os.kill(babeld, signal.SIGKILL)
            babel = poll(lambda: self.pid_of(gw, "babeld") not in (None, babeld)
                         and self.babel_interfaces(gw, gateway["babel"]) == count, self.babel_wait)
            if babel is None:
                babel = -self.babel_wait
        gatewayd = self.pid_of(gw, "gatewayd")
        os.kill(gatewayd, signal.SIGKILL)
        gateway["process"].wait(timeout=30)
        if self.backend == "userspace":
            poll(lambda: not self.peer_interfaces(gw), 30)  # kernel interfaces outlive gatewayd
        log = open(gateway["directory"] / "gatewayd-restart.log", "w")
        started = time.perf_counter()
        process = subprocess.Popen(in_ns(gw, ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGTERM",
                                              self.gatewayd, "run", "--env-file", str(gateway["env"])]),
                                   stdout=log, stderr=subprocess.STDOUT)
        running.append(process)
        # Serving again means gatewayd answers too: the broker opens after the store's restore.
        serving = poll(lambda: self.serving(gw, count) and self.gwctl_ok(gateway, "health"), 600, 0.05)
        if serving is None or (babel is not None and babel < 0 and self.backend == "userspace"):
            raise BenchError(f"restart: babeld re-registration {babel}, serving again {serving}")
        # Under emulation babeld may take longer than the wait: recorded as a lower bound
        # (negative), shown as "over N s", rather than losing the trial's other figures.
        # Not killed at all above babeld_kill_max: NaN, shown as "not measured".
        return {"babel-replay": babel if babel is not None else float("nan"), "restart": time.perf_counter() - started}

    # -- the section ------------------------------------------------------------------------

    def scale_only(self, sizes, concurrency, seed_next_sizes=()):
        """gatewayd at sizes the seed model cannot reach in reasonable time: provisioned
        {concurrency} at a time, then the scale and restart measurements. At
        `seed_next_sizes` the seed model is filled to the size directly and its next
        requests timed, for the side-by-side next-request comparison."""
        results = {}
        for size in sizes:
            try:
                measured = self.trial("gatewayd", size, concurrency, extras=True)
            except BenchError as error:
                # A size the machine cannot reach is a result too: reported, not lost with the rest.
                self.log(f"  {size:>4} peers, gatewayd only: FAILED: {str(error)[:8000]}")
                self.failures[size] = str(error).splitlines()[0][:300]
                continue
            cells = {f"gatewayd-{k}": Cell([v]) for k, v in measured.items()}
            self.log(f"  {size:>4} peers, gatewayd only: provisioned in {fmt_time(measured['wall'])}")
            if size in seed_next_sizes:
                cells["seed-next"] = Cell([self.seed_next(size)["next"]])
                self.log(f"  {size:>4} peers, seed filled: next request {fmt_time(cells['seed-next'].median)}")
            results[(size, "sequential")] = cells
        return results

    def run(self, sizes, reps, concurrency):
        """{(size, mode): {metric: Cell}}, modes `sequential` and `concurrent`; sides interleaved."""
        results = {}
        for size in sizes:
            for mode, parallel in (("sequential", 1), ("concurrent", concurrency)):
                cells = {}
                results[(size, mode)] = cells
                for rep in range(reps):
                    order = self.sides if rep % 2 == 0 else tuple(reversed(self.sides))
                    for side in order:
                        measured = self.trial(side, size, parallel, extras=(mode == "sequential" and rep == 0))
                        for metric, value in measured.items():
                            cells.setdefault(f"{side}-{metric}", Cell()).samples.append(value)
                    self.log(f"  {size:>4} peers, {mode:<10} rep {rep + 1}/{reps}: "
                             f"seed {fmt_time(cells['seed-wall'].samples[-1])}, gatewayd {fmt_time(cells['gatewayd-wall'].samples[-1])}")
        return results


def rate(per_second):
    return f"{per_second:.1f}" if per_second < 10 else f"{per_second:.0f}"


def provisioning_table(results, concurrency):
    header = ["peers", "requests", "seed p50 / p99", "gatewayd p50 / p99", "seed total", "gatewayd total",
              "seed peers/s", "gatewayd peers/s", "seed ÷ gatewayd", "known keys again: seed / gatewayd req/s", "n"]
    rows = []
    for (size, mode), cells in results.items():
        if "seed-wall" not in cells:
            continue  # gatewayd-only sizes: in the scale table
        seed, gw = cells["seed-wall"], cells["gatewayd-wall"]
        label = "one at a time" if mode == "sequential" else f"{concurrency} at once"
        rows.append([str(size), label,
                     f"{fmt_time(cells['seed-p50'].median)} / {fmt_time(cells['seed-p99'].median)}",
                     f"{fmt_time(cells['gatewayd-p50'].median)} / {fmt_time(cells['gatewayd-p99'].median)}",
                     fmt_time(seed.median), fmt_time(gw.median),
                     rate(size / seed.median), rate(size / gw.median), fmt_ratio(seed.median / gw.median),
                     f"{rate(size / cells['seed-repeat'].median)} / {rate(size / cells['gatewayd-repeat'].median)}",
                     str(min(seed.n, gw.n))])
    return header, rows


def growth(results, concurrency, failures=None):
    """gatewayd alone at the scale sizes: provisioning with {concurrency} clients."""
    lines = [f"- **{size} peers: not reached.** The trial failed: {why}" for size, why in sorted((failures or {}).items())]
    for (size, mode), cells in sorted(results.items()):
        if "seed-wall" in cells or "gatewayd-wall" not in cells:
            continue
        wall = cells["gatewayd-wall"].median
        lines.append(f"- {size} peers, gatewayd alone, {concurrency} clients: provisioned in {fmt_time(wall)} "
                     f"({rate(size / wall)} peers/s; p50 {fmt_time(cells['gatewayd-p50'].median)}, "
                     f"p99 {fmt_time(cells['gatewayd-p99'].median)}).")
    return "\n".join(lines)


def over_or_time(seconds):
    if seconds != seconds:  # NaN: not measured
        return "not measured"
    return f"over {fmt_time(-seconds)}" if seconds < 0 else fmt_time(seconds)


def scale_table(results):
    header = ["peers", "`gwctl peers list --json`", "`peers` on the socket", "`gwctl reload` (no change)",
              "idle sweep: dry run / first / removing all", "gatewayd RSS idle", "gatewayd RSS",
              "babeld killed → all re-registered", "gatewayd killed → all serving"]
    rows = []
    for (size, mode), cells in sorted(results.items()):
        if mode != "sequential" or "gatewayd-list" not in cells:
            continue
        rows.append([str(size + PeerBench.NEXT), fmt_time(cells["gatewayd-list"].median),
                     fmt_time(cells["gatewayd-list-socket"].median), fmt_time(cells["gatewayd-reload"].median),
                     " / ".join(over_or_time(cells[f"gatewayd-{k}"].median) for k in ("sweep-dry", "sweep", "sweep-remove")),
                     f"{cells['gatewayd-rss-idle'].median:.1f} MiB", f"{cells['gatewayd-rss'].median:.1f} MiB",
                     over_or_time(cells["gatewayd-babel-replay"].median), fmt_time(cells["gatewayd-restart"].median)])
    return header, rows


def next_table(results):
    """The next node's request, one at a time, with N peers already there: both sides."""
    header = ["peers there", "seed next request", "gatewayd next request", "seed ÷ gatewayd", "seed growth", "gatewayd growth"]
    rows = []
    sizes = sorted(size for (size, mode), cells in results.items()
                   if mode == "sequential" and "seed-next" in cells and "gatewayd-next" in cells)
    first = None
    for size in sizes:
        cells = results[(size, "sequential")]
        seed, gw = cells["seed-next"].median, cells["gatewayd-next"].median
        growth = lambda side, value: "–" if first is None else f"{value / first[side]:.1f}×"
        rows.append([str(size), fmt_time(seed), fmt_time(gw), fmt_ratio(seed / gw), growth("seed", seed), growth("gatewayd", gw)])
        if first is None:
            first = {"seed": seed, "gatewayd": gw}
    return header, rows


def reading(results, concurrency):
    out = []
    sizes = sorted({size for size, _ in results if "seed-wall" in results[(size, "sequential")]})
    for mode in ("sequential", "concurrent"):
        ratios = [(s, results[(s, mode)]["seed-wall"].median / results[(s, mode)]["gatewayd-wall"].median) for s in sizes]
        what = "one request at a time" if mode == "sequential" else f"{concurrency} clients at once"
        behind = [f"{s}" for s, r in ratios if r < 1]
        out.append(f"- {what.capitalize()}: seed ÷ gatewayd " + ", ".join(f"{fmt_ratio(r)} at {s} peers" for s, r in ratios)
                   + (f" — **gatewayd is not ahead** at {', '.join(behind)} peers." if behind else "."))
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        for side in ("seed", "gatewayd"):
            a = results[(first, "sequential")][f"{side}-p50"].median
            b = results[(last, "sequential")][f"{side}-p50"].median
            out.append(f"- {side}: the median request takes {fmt_time(a)} with {first} peers and {fmt_time(b)} with "
                       f"{last} ({b / a:.1f}×)" + (": it scans every interface per request, one `wg show` each."
                                                   if side == "seed" else
                                                   ": allocation is O(1); most of the time is starting and configuring wireguard-go."))
    retries = {side: sum(sum(cells[f"{side}-retries"].samples) for key, cells in results.items() if f"{side}-retries" in cells)
               for side in ("seed", "gatewayd")}
    out.append(f"- Retries (a refused connection, or one closed without a reply, asked again by the client as a node "
               f"would; the time counts in that request's latency): seed {retries['seed']:.0f}, gatewayd {retries['gatewayd']:.0f}.")
    concurrent = results[(sizes[-1], "concurrent")]
    sequential = results[(sizes[-1], "sequential")]
    out.append(f"- Concurrency: with {concurrency} clients gatewayd provisions {sizes[-1]} peers in "
               f"{fmt_time(concurrent['gatewayd-wall'].median)} ({fmt_time(sequential['gatewayd-wall'].median)} one at a time); "
               f"the seed serves one connection at a time, so its clients wait in line "
               f"({fmt_time(concurrent['seed-p99'].median)} p99).")
    return "\n".join(out)
