#pragma once
// Row keys in the RocksDB store (ARCHITECTURE.md section 4):
//   key = table id (4 bytes, big-endian) + codec::AppendOrderedKey of each key column, declared order.
// Ordered-key components are self-delimiting and order-preserving, so the rows of one partition are
// exactly the keys that start with table id + encoded partition key, in clustering order.
// Decoders never trust the stored bytes: malformed keys are kInternal, never a crash. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/table_spec.h"

namespace ofs::storage::rocks {

// Appends the key of a row: `values` holds one canonical value per key column, in declared order.
void AppendRowKey(const model::TableSpec& table, std::span<const std::string_view> values, std::string* out);

// Appends the prefix shared by every row of the partition `partition_key` (key column 0's value) whose
// leading clustering columns have the values `clustering` (canonical bytes of key columns 1, 2, ...;
// fewer than the clustering columns). Components are self-delimiting, so the rows with that key
// prefix are exactly the keys that start with these bytes.
void AppendPartitionPrefix(const model::TableSpec& table, std::string_view partition_key,
                           std::span<const std::string_view> clustering, std::string* out);

// Sets *out to the smallest key above every key that starts with `prefix`; false when none exists
// (the prefix is all 0xFF bytes).
bool PrefixSuccessor(std::string_view prefix, std::string* out);

// The canonical values of a stored row key, one per key column, concatenated in *values with the end
// offset of each in *ends. kInternal when the key is not a well-formed key of `table`.
Status DecodeRowKey(const model::TableSpec& table, std::string_view key, std::string* values,
                    std::vector<size_t>* ends);

}  // namespace ofs::storage::rocks
