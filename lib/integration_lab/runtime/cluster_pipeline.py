"""A plain pipeline on a Redis Cluster that keeps its commands' order, as a pipeline on one server does.

redis-py's cluster pipeline sends each node its share of the commands all at once, so a command staged late
(a marker: an update remembered, an event done) can land on its node before one staged earlier lands on
another. Our batches (app/batch.py) promise order: a cut leaves a prefix written. So on a cluster a plain
pipeline goes as consecutive runs of commands bound for one node, each run one cluster pipeline, a run sent
once the run before it answered. The order holds; a pipeline that spans n nodes takes up to n round trips.

It looks like redis-py's single-server pipeline to the rest of the lab (`command_stack`, `is_transaction`), so
the Redis cut, the slot check and the traces see one pipeline, whatever the number of nodes: the notebooks'
tables are the same on one server and on a cluster. A transaction (MULTI), and a pipeline redis-py opens
itself, are the cluster client's own.
"""

from __future__ import annotations

from redis.commands import AsyncCoreCommands

_NO_KEY = {"PING", "TIME", "WAIT", "ECHO"}


class OrderedPipeline(AsyncCoreCommands):
    is_transaction = False

    def __init__(self, cluster, make_pipeline):
        self.cluster, self._make_pipeline = cluster, make_pipeline  # the cluster client's own pipeline()
        self.command_stack: list[tuple[tuple, dict]] = []

    async def __aenter__(self) -> OrderedPipeline:
        return self

    async def __aexit__(self, *exc) -> None:
        self.command_stack = []

    def __len__(self) -> int:
        return len(self.command_stack)

    def execute_command(self, *args, **options) -> OrderedPipeline:
        self.command_stack.append((args, options))
        return self

    def _node_of(self, args: tuple) -> str | None:
        name = str(args[0]).upper()
        if name in _NO_KEY or len(args) < 2:
            return None
        if name in ("EVAL", "EVALSHA"):
            if not int(args[2]):
                return None
            key = args[3]
        else:
            key = args[1]
        return self.cluster.get_node_from_key(key).name

    async def execute(self, raise_on_error: bool = True) -> list:
        runs: list[list] = []
        node = None
        for args, options in self.command_stack:
            here = self._node_of(args) or node
            if runs and here == node:
                runs[-1].append((args, options))
            else:
                runs.append([(args, options)])
            node = here
        self.command_stack, answers = [], []
        for run in runs:
            async with self._make_pipeline(transaction=False) as pipe:
                for args, options in run:
                    pipe.execute_command(*args, **options)
                answers += await pipe.execute(raise_on_error=raise_on_error)
        return answers


def keep_order(cluster):
    """Make `cluster` (redis-py's async RedisCluster) hand out OrderedPipeline for plain pipelines, and send a
    multi-key DEL, UNLINK, EXISTS or TOUCH whose keys share a slot as one command, as on one server (redis-py
    splits every such call by slot, in a pipeline of its own)."""
    make_pipeline = cluster.pipeline

    def one_command(name: str, split):
        async def command(*keys):
            if len({cluster.keyslot(key) for key in keys}) == 1:
                return await cluster.execute_command(name, *keys)
            return await split(*keys)
        return command

    for name in ("delete", "unlink", "exists", "touch"):
        setattr(cluster, name, one_command("DEL" if name == "delete" else name.upper(), getattr(cluster, name)))

    def pipeline(transaction=None, shard_hint=None):
        # ours always say transaction=True or False; redis-py's own calls (splitting UNLINK by slot) say
        # nothing and keep the cluster's pipeline
        if transaction is False:
            return OrderedPipeline(cluster, make_pipeline)
        return make_pipeline(transaction, shard_hint)

    cluster.pipeline = pipeline
    return cluster
