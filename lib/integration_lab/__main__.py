"""Command line: `python -m integration_lab run [--only PATTERN] [--shard I/N] [--jobs N]`,
`python -m integration_lab serve telegram|stripe|app --port N …` (see `serve <service> --help`),
`python -m integration_lab load --buyers N [--mix …] [--faults …] [--seed S]` (see `load --help`),
`python -m integration_lab cluster start|stop [--replicas 1]` (a Redis Cluster on loopback),
`python -m integration_lab catalogue` (the vendored Bot API and Stripe data: versions, counts, sources),
`python -m integration_lab catalogue build --from-html PAGE --out FILE`, `catalogue diff OLD NEW` and
`catalogue drift` (what the pinned client libraries know that the catalogue or the Telegram fake lacks)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .matrix.shard import parse_shard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="integration_lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute every notebook x parameter set into outputs/")
    run.add_argument("--only", help="run only scenarios whose area/notebook/set matches this glob or text")
    run.add_argument("--shard", type=parse_shard, metavar="I/N",
                     help="run only shard I of N (1 <= I <= N; of what --only selects): a CI matrix job's share, the "
                          "same runs on every machine")
    run.add_argument("--jobs", type=int, default=None, help="parallel runs (default: one more than the cores, up to 2 cores)")
    run.add_argument("--root", type=Path, default=Path.cwd(), help="project root (default: here)")
    run.add_argument("--no-fork-server", dest="fork", action="store_false",
                     help="start each run's kernel the usual way instead of forking it from a preloaded parent")
    serve = commands.add_parser("serve", help="serve a fake on 127.0.0.1 over HTTP")
    from .serve import add_arguments

    add_arguments(serve)
    load = commands.add_parser("load", help="many buyers' whole journeys in one process, with invariants")
    from .load.cli import add_arguments as load_arguments

    load_arguments(load)
    catalogue = commands.add_parser("catalogue", help="the vendored Bot API catalogue and Stripe fixtures: versions, "
                                                      "counts, sources, licences, sha256; `build`, `diff`")
    from .specs.build_bot_api import add_arguments as catalogue_arguments

    catalogue_arguments(catalogue)
    cluster = commands.add_parser("cluster", help="start or stop a Redis Cluster on loopback (Debian's redis-server)")
    from .runtime.cluster import add_arguments as cluster_arguments

    cluster_arguments(cluster)
    args = parser.parse_args(argv)
    if args.command == "run":
        # papermill's nbformat imports jsonschema, which imports rfc3987_syntax when it is installed (jupyter
        # server's extras bring it) only to check "iri" formats, and that module builds a grammar when it is
        # imported: ~3 s before the first run. No notebook schema uses the format, so this process goes without.
        sys.modules.setdefault("rfc3987_syntax", None)
        from .matrix.cli import run_matrix

        return run_matrix(args.root.resolve(), args.only, args.jobs, args.fork, args.shard)
    if args.command == "serve":
        from .serve import main as serve_main

        return serve_main(args)
    if args.command == "load":
        from .load.cli import main as load_main

        return load_main(args)
    if args.command == "cluster":
        from .runtime.cluster import run as cluster_run

        return cluster_run(args)
    if args.command == "catalogue" and args.catalogue_command == "drift":
        from .fakes.telegram.drift import main as drift_main

        return drift_main()
    if args.command == "catalogue" and args.catalogue_command:
        from .specs.build_bot_api import main as catalogue_main

        return catalogue_main(args)
    if args.command == "catalogue":
        from .specs import report

        print(report())
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
