"""Runs CQL statements on one Cassandra node: `scripts/services/cassandra.sh cql STATEMENT...`.

Each argument is one statement, run in order; `-` reads statements from standard input, one per
`;`-terminated line group. Rows of a statement that returns rows are printed as JSON objects, one a line
(values the JSON encoder does not know, such as UUIDs and timestamps, as their str()). The node named by
OFS_CASSANDRA_ADDRESS (HOST:PORT, set by cassandra.sh) coordinates every statement: the driver never
routes to another node, so a test decides which node answers. Exit 0 when every statement succeeded,
1 with the server's message on standard error at the first that failed.

Options: --keyspace KS (USE it first), --consistency LEVEL (default ONE), --timeout SECONDS (default 30).
With OFS_CASSANDRA_AUTH=1 it logs in as OFS_CASSANDRA_USER / OFS_CASSANDRA_PASSWORD (cassandra/cassandra).
"""

import argparse
import json
import logging
import os
import sys

from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import WhiteListRoundRobinPolicy
from cassandra.query import SimpleStatement, dict_factory


def parse_args():
    parser = argparse.ArgumentParser(prog="cassandra.sh cql", description=__doc__.splitlines()[0])
    parser.add_argument("statements", nargs="+", help="CQL statements, or - for standard input")
    parser.add_argument("--keyspace")
    parser.add_argument("--consistency", default="ONE", choices=sorted(ConsistencyLevel.name_to_value))
    parser.add_argument("--timeout", type=float, default=30.0)
    return parser.parse_args()


def statements_from(args):
    for statement in args.statements:
        if statement != "-":
            yield statement
            continue
        for part in sys.stdin.read().split(";\n"):
            if part.strip():
                yield part.strip().rstrip(";")


def connect(args):
    host, port = os.environ["OFS_CASSANDRA_ADDRESS"].rsplit(":", 1)
    profile = ExecutionProfile(
        load_balancing_policy=WhiteListRoundRobinPolicy([host]),
        consistency_level=ConsistencyLevel.name_to_value[args.consistency],
        request_timeout=args.timeout,
        row_factory=dict_factory,
    )
    auth = None
    if os.environ.get("OFS_CASSANDRA_AUTH") == "1":
        auth = PlainTextAuthProvider(
            os.environ.get("OFS_CASSANDRA_USER", "cassandra"),
            os.environ.get("OFS_CASSANDRA_PASSWORD", "cassandra"),
        )
    cluster = Cluster(
        [host],
        port=int(port),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        auth_provider=auth,
        connect_timeout=args.timeout,
    )
    return cluster, cluster.connect(args.keyspace)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.ERROR)
    cluster, session = connect(args)
    try:
        for statement in statements_from(args):
            try:
                rows = session.execute(SimpleStatement(statement))
            except Exception as error:  # the server's or the driver's message is the answer
                print(f"cql: {statement}\ncql: {type(error).__name__}: {error}", file=sys.stderr)
                return 1
            for row in rows:
                print(json.dumps(row, default=str, sort_keys=False))
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
