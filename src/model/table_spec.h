#pragma once
// TableSpec: what an online store needs to know about one entity's table. Built by the catalog from
// metadata, immutable once published, and it outlives every request that references it.

#include <cstdint>
#include <string>
#include <vector>

#include "model/data_type.h"

namespace ofs::model {

struct ColumnSpec {
  uint32_t id = 0;   // stable storage id, unique within the table (never reused)
  std::string name;  // physical name: entity column "x" or group column "<group>__<version>__<col>"
  DataType type = DataType::kText;
};

struct TableSpec {
  uint32_t id = 0;                        // the entity's id: the table's stable identity
  std::string name;                       // entity name (the Cassandra table name)
  std::vector<ColumnSpec> key_columns;    // declared order; [0] is the partition key, the rest clustering
  std::vector<ColumnSpec> value_columns;  // every non-key column of the table (entity + all group versions)
  int64_t ttl_seconds = 0;                // 0 = never expires; applies to cells written from now on
};

}  // namespace ofs::model
