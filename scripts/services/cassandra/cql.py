"""Runs CQL statements on one Cassandra node: `scripts/services/cassandra.sh cql STATEMENT...`.

Each argument is one statement, run in order; `-` reads standard input as statements, each ended by a
`;` at the end of a line. Rows of a statement that returns rows are printed as JSON objects, one a line,
columns in the statement's order (see plain() for the values JSON has no type for). The node named by
OFS_CASSANDRA_ADDRESS (HOST:PORT, set by cassandra.sh) coordinates every statement: the driver never
routes to another node, so a test decides which node answers. Exit 0 when every statement succeeded,
1 with the server's message on standard error at the first that failed.

Options: --keyspace KS (USE it first), --consistency LEVEL (default ONE), --timeout SECONDS (default 30).
With OFS_CASSANDRA_AUTH=1 (set by cassandra.sh for a node started with it) it logs in as
OFS_CASSANDRA_USER / OFS_CASSANDRA_PASSWORD (default cassandra/cassandra).
"""

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping

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


def plain(value):
    """What a CQL value the JSON encoder does not know prints as: blob as 0x<hex> (its CQL literal),
    set and map as array and object, anything else (uuid, timestamp, decimal, inet...) as str()."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + value.hex()
    if isinstance(value, Mapping):
        return {k if isinstance(k, (str, int, float, bool)) else str(k): v for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str):
        return list(value)
    return str(value)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # failures are reported once, below
    try:
        cluster, session = connect(args)
    except Exception as error:  # no node, refused, bad credentials: the driver says which
        print(f"cql: cannot connect to {os.environ['OFS_CASSANDRA_ADDRESS']}: {error}", file=sys.stderr)
        return 1
    try:
        for statement in statements_from(args):
            try:
                rows = session.execute(SimpleStatement(statement))
            except Exception as error:  # the server's or the driver's message is the answer
                print(f"cql: {statement}\ncql: {type(error).__name__}: {error}", file=sys.stderr)
                return 1
            for row in rows:
                print(json.dumps(row, default=plain))
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
