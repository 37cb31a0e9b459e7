"""darwin_fs quickstart: the modern client end to end against a running OFS.

    make run                       # in the repository root: ofs standalone on :8080 (serving) / :8081 (admin)
    python python/examples/quickstart.py

Point it elsewhere with OFS_URL / OFS_ADMIN_URL (and OFS_TOKEN when access control is on). Safe to run
again: existing entities and groups are reused.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from darwin_fs import DataType, FeatureStoreClient, SdkException
from darwin_fs.model import Entity, FeatureColumn, FeatureGroup

OWNER = "ml-team@example.com"


def main() -> None:
    with FeatureStoreClient() as client:  # URLs and token from the environment; defaults: 127.0.0.1:8080/8081
        # 1. An entity: rows keyed by user_id. Creating it again answers ENTITY-ALREADY-EXISTS-EXCEPTION.
        try:
            client.create_entity(
                Entity(table_name="qs_user", primary_keys=["user_id"],
                       features=[FeatureColumn("user_id", DataType.BIGINT)]),
                owner=OWNER, description="one row per user")
        except SdkException as e:
            if e.error_code != "ENTITY-ALREADY-EXISTS-EXCEPTION":
                raise

        # 2. A feature group of the entity (v1).
        try:
            created = client.create_feature_group(
                FeatureGroup(feature_group_name="qs_activity", entity_name="qs_user", features=[
                    FeatureColumn("clicks", DataType.INT),
                    FeatureColumn("ctr", DataType.DOUBLE),
                    FeatureColumn("last_seen", DataType.TIMESTAMP),
                ]),
                owner=OWNER)
            print(f"created feature group qs_activity {created.version}")
        except SdkException as e:
            if e.error_code != "FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION":
                raise

        # 3. Write a DataFrame (validated against the schema, sent in chunks, durable on return).
        now = pd.Timestamp(dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc))
        frame = pd.DataFrame({
            "user_id": pd.Series([1, 2, 3], dtype="int64"),
            "clicks": pd.Series([7, 9, 1], dtype="int32"),
            "ctr": [0.125, 0.25, 0.5],
            "last_seen": [now, now, now],
        })
        result = client.write_features_df("qs_activity", frame)
        print(f"wrote {result.rows_written} rows to qs_activity {result.feature_group_version}")

        # 4. Read them back as a DataFrame (user 4 does not exist: how="left" keeps it, with missing values).
        keys = pd.DataFrame({"user_id": [1, 3, 4]})
        print(client.read_features_df("qs_activity", keys, ["clicks", "ctr", "last_seen"], how="left"))

        # 5. Errors carry the server's code and message.
        try:
            client.read_features("no_such_group", [{"user_id": 1}], ["clicks"])
        except SdkException as e:
            print(f"error code: {e.error_code}")


if __name__ == "__main__":
    main()
