#!/usr/bin/env python3
"""The broker under a flood (issue: a broker on the open Internet), on loopback namespaces
only: a gateway namespace and a client namespace joined by a veth. The client side runs
the attack — new random keys as fast as it can from one source or from 50 sources (each
its own /64), plus the re-send trick (every accepted key asked for again) — while a
legitimate node, from sources of its own, asks for a new tunnel once a second. Reported:
the legitimate node's reply latency and success, the attacker's peers held (sampled every
0.5 s from `gwctl status`), requests answered per second. Bounded: --seconds per scenario.

    sudo bench/flood.py [--seconds 20] [--quota 8] [--gatewayd .build/release/gatewayd]

Nothing is written to Docs/benchmarks.md: the figures go to stdout as a markdown table."""

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import BABELD, Namespaces, in_ns, sh  # noqa: E402

GATEWAY = "2001:db8:ff::1"
# The legitimate nodes: each request from a /64 of its own (one node each; they never
# handshake here, so one source would soon meet its own provisional quota).
LEGIT = [f"2001:db8:600d:{n:x}::2" for n in range(64)]
PORT = 40000


def request(source, key, timeout=5.0):
    """One v1 request from `source`; 'accepted', 'refused' or 'error'."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.bind((source, 0))
            s.connect((GATEWAY, PORT))
            s.sendall(json.dumps({"version": 1, "pubkey": key}).encode() + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        return "accepted" if b'"port"' in reply else "refused"
    except OSError:
        return "error"


def client(args):
    """Inside the client namespace: the flood and the legitimate node; prints JSON."""
    sources = args.sources.split(",")
    stop = time.monotonic() + args.seconds
    counts = {"accepted": 0, "refused": 0, "error": 0}
    held = []
    lock = threading.Lock()

    def attacker(index):
        source = sources[index % len(sources)]
        while time.monotonic() < stop:
            key = base64.b64encode(os.urandom(32)).decode()
            result = request(source, key)
            with lock:
                counts[result] += 1
                if result == "accepted":
                    held.append((source, key))
                resend = list(held[-20:])
            for again_source, again in resend[:2]:  # the re-send trick
                r = request(again_source, again)
                with lock:
                    counts[r] += 1

    threads = [threading.Thread(target=attacker, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    legit = []
    while time.monotonic() < stop - 1:
        started = time.perf_counter()
        result = request(LEGIT[len(legit) % len(LEGIT)], base64.b64encode(os.urandom(32)).decode())
        legit.append((result, time.perf_counter() - started))
        time.sleep(max(0, 1 - (time.perf_counter() - started)))
    for thread in threads:
        thread.join()
    print(json.dumps({"counts": counts, "legit": legit, "seconds": args.seconds}))


def scenario(namespaces, gatewayd, gwctl, workdir, sources, seconds, threads, quota):
    gw, cl = namespaces.create(), namespaces.create()
    sh(["ip", "-n", gw, "link", "add", "wan0", "type", "veth", "peer", "name", "up0", "netns", cl])
    sh(["ip", "-n", gw, "-6", "addr", "add", f"{GATEWAY}/64", "dev", "wan0", "nodad"])
    sh(["ip", "-n", cl, "-6", "addr", "add", "2001:db8:ff::2/64", "dev", "up0", "nodad"])
    for address in sources + LEGIT:
        sh(["ip", "-n", cl, "-6", "addr", "add", f"{address}/64", "dev", "up0", "nodad"])
    sh(["ip", "-n", gw, "link", "set", "wan0", "up"])
    sh(["ip", "-n", cl, "link", "set", "up0", "up"])
    sh(["ip", "-n", gw, "-6", "route", "add", "2001:db8::/32", "dev", "wan0"])
    sh(["ip", "-n", cl, "-6", "route", "add", "default", "dev", "up0"])
    directory = Path(workdir) / gw
    directory.mkdir(parents=True)
    values = {"WHOLENET": "2001:db8::/40", "NODEPREFIX": "2001:db8:0:1::/64", "CLIENTPREFIX": "2001:db8:0:2::/64",
              "NEXTNODE": "2001:db8:0:2::1", "WAN": "wan0", "WG_BACKEND": "userspace", "BABELD": BABELD,
              "MMFD": "off", "L3ROAMD": "off", "MAXCONNECTIONS": "150", "RUNDIR": str(directory / "run"),
              "STATEDIR": str(directory / "state"), "PRIVATEKEY": str(directory / "private.key"),
              "CONTROLSOCKET": str(directory / "control.sock"), "PROVISIONALPERSOURCE": str(quota)}
    (directory / "env-file").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    log = open(directory / "gatewayd.log", "w")
    # wireguard-go's socket directory is machine-wide: a tmpfs of this mount namespace only.
    gateway = subprocess.Popen(in_ns(gw, ["sh", "-c", 'mkdir -p /run/wireguard && mount -t tmpfs gwbench /run/wireguard && exec "$0" "$@"',
                                          "unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGTERM",
                                          gatewayd, "run", "--env-file", str(directory / "env-file")]),
                               stdout=log, stderr=subprocess.STDOUT)
    status = lambda: json.loads(subprocess.run([gwctl, "--socket", str(directory / "control.sock"), "status", "--json"],
                                               capture_output=True, text=True).stdout or "null")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and subprocess.run([gwctl, "--socket", str(directory / "control.sock"), "health"],
                                                             capture_output=True).returncode != 0:
            time.sleep(0.2)
        flood = subprocess.Popen(in_ns(cl, [sys.executable, __file__, "client", "--sources", ",".join(sources),
                                            "--seconds", str(seconds), "--threads", str(threads)]),
                                 stdout=subprocess.PIPE, text=True)
        samples = []
        while flood.poll() is None:
            current = status()
            if current:
                samples.append(current["broker"])
            time.sleep(0.5)
        result = json.loads(flood.stdout.read())
        final = status()["broker"]
        result["held_max"] = max((s["peers"] for s in samples), default=0)
        result["provisional_max"] = max((s.get("provisional") or 0 for s in samples), default=0)
        result["refusals"] = final.get("refusals")
        return result
    finally:
        gateway.terminate()
        try:
            gateway.wait(timeout=60)
        except subprocess.TimeoutExpired:
            gateway.kill()
        for ns in (gw, cl):
            for pid in subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            namespaces.delete(ns)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", default="bench")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--sources", default="")
    parser.add_argument("--gatewayd", default=".build/release/gatewayd")
    parser.add_argument("--gwctl", default=None)
    parser.add_argument("--quota", type=int, default=8, help="PROVISIONALPERSOURCE (65535: no per-source quota)")
    args = parser.parse_args()
    if args.mode == "client":
        return client(args)
    gwctl = args.gwctl or str(Path(args.gatewayd).parent / "gwctl")
    namespaces = Namespaces()
    workdir = Path(subprocess.run(["mktemp", "-d"], capture_output=True, text=True).stdout.strip())
    rows = []
    try:
        for name, sources in [("1 source", ["2001:db8:bad:1::2"]),
                              ("50 sources", [f"2001:db8:bad:{n + 1:x}::2" for n in range(50)])]:
            r = scenario(namespaces, os.path.abspath(args.gatewayd), os.path.abspath(gwctl), workdir, sources, args.seconds, args.threads, args.quota)
            latencies = sorted(t for result, t in r["legit"] if result == "accepted")
            served = len(latencies)
            answered = r["counts"]["accepted"] + r["counts"]["refused"]
            rows.append((name, f"{served}/{len(r['legit'])}",
                         f"{latencies[len(latencies) // 2] * 1000:.0f} ms" if latencies else "-",
                         f"{latencies[-1] * 1000:.0f} ms" if latencies else "-",
                         str(r["held_max"]), str(r["provisional_max"]), f"{answered / r['seconds']:.0f}",
                         ", ".join(f"{k} {v}" for k, v in sorted((r["refusals"] or {}).items()))))
    finally:
        namespaces.delete_all()
    print("| flood | legitimate served | median | max | peers held (max) | provisional (max) | attacker requests answered/s | refusals |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
