"""A Redis Cluster on loopback from Debian's redis-server: three primaries (and one replica each, on request).

    python -m integration_lab cluster start [--port 7000] [--replicas 1] [--dir build/cluster]
    python -m integration_lab cluster stop  [--dir build/cluster]

`start` starts one redis-server per node (`cluster-enabled yes`, no persistence, daemonized, its pid, log and
nodes.conf in the node's own directory), joins them with `redis-cli --cluster create`, waits until every
node says `cluster_state:ok` and prints the REDIS_URL and REDIS_CLUSTER the lab reads. `stop` stops every
node it started. Nodes are numbered from --port: primaries first, then replicas (7000-7002, 7003-7005).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess  # nosec B404  # redis-server and redis-cli from argument lists, no shell
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
PRIMARIES = 3


@dataclass(frozen=True)
class Cluster:
    ports: list[int]
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.ports[0]}/0"

    def node_dir(self, port: int) -> Path:
        return self.directory / str(port)


def _binaries() -> tuple[str, str]:
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not (server and cli):
        raise RuntimeError("no redis-server/redis-cli: install them (sudo apt-get install redis-server)")
    return server, cli


def _answers(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def start_node(port: int, directory: Path) -> None:
    """One cluster-enabled redis-server, daemonized; returns once it accepts connections."""
    server, _ = _binaries()
    directory.mkdir(parents=True, exist_ok=True)
    for stale in ("nodes.conf", "redis.pid"):
        (directory / stale).unlink(missing_ok=True)
    command = [server, "--port", str(port), "--bind", HOST, "--cluster-enabled", "yes",
               "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
               "--save", "", "--appendonly", "no", "--dir", str(directory), "--daemonize", "yes",
               "--pidfile", str(directory / "redis.pid"), "--logfile", str(directory / "redis.log")]
    subprocess.run(command, check=True)  # nosec B603  # our own list, no shell
    deadline = time.monotonic() + 10
    while not _answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"redis-server on port {port} did not start; see {directory / 'redis.log'}")
        time.sleep(0.05)


def cli(port: int, *args: str, check: bool = True) -> str:
    """redis-cli against one node; its stdout."""
    _, binary = _binaries()
    done = subprocess.run([binary, "-h", HOST, "-p", str(port), *args],  # nosec B603  # our own list
                          capture_output=True, text=True, check=check, timeout=60)
    return done.stdout


def cluster_ok(port: int) -> bool:
    try:
        return "cluster_state:ok" in cli(port, "cluster", "info", check=False)
    except (subprocess.TimeoutExpired, OSError):
        return False


def wait_ok(ports: list[int], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not all(cluster_ok(port) for port in ports):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the cluster on {ports} did not reach cluster_state:ok in {timeout:.0f} s")
        time.sleep(0.1)


def start(port: int = 7000, replicas: int = 0, directory: Path = Path("build/cluster")) -> Cluster:
    ports = [port + i for i in range(PRIMARIES * (1 + replicas))]
    taken = [p for p in ports if _answers(p)]
    if taken:
        raise RuntimeError(f"port(s) {taken} already answer: stop that cluster first (cluster stop --dir …)")
    cluster = Cluster(ports, directory.resolve())
    for p in ports:
        start_node(p, cluster.node_dir(p))
    # redis-cli pairs replicas with primaries in the order given: the first PRIMARIES nodes become primaries
    cli(port, "--cluster", "create", *[f"{HOST}:{p}" for p in ports], "--cluster-replicas", str(replicas),
        "--cluster-yes")
    wait_ok(ports)
    return cluster


def stop(directory: Path = Path("build/cluster")) -> int:
    """Stop every node started under `directory`; how many were running."""
    stopped = 0
    for pidfile in sorted(directory.glob("*/redis.pid")):
        try:
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
            stopped += 1
        except (ProcessLookupError, ValueError):
            pass
        pidfile.unlink(missing_ok=True)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="integration_lab cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", type=int, default=7000, help="the first node's port (default 7000)")
    parser.add_argument("--replicas", type=int, choices=[0, 1], default=0, help="replicas per primary (default 0)")
    parser.add_argument("--dir", type=Path, default=Path("build/cluster"),
                        help="the nodes' files (default build/cluster)")


def run(args: argparse.Namespace) -> int:
    if args.action == "stop":
        print(f"stopped {stop(args.dir)} node(s)")
        return 0
    try:
        cluster = start(args.port, args.replicas, args.dir)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        stop(args.dir)
        print(f"cluster start: {exc}", file=sys.stderr)
        return 2
    print(f"cluster ok: {PRIMARIES} primaries, {args.replicas} replica(s) each, ports {cluster.ports[0]}-"
          f"{cluster.ports[-1]}, files in {args.dir}")
    print(f"export REDIS_URL={cluster.url} REDIS_CLUSTER=1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
