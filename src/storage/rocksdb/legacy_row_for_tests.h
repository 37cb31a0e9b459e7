#pragma once
// Tests only: the stored form of rows written before the tagged form (row_codec.h), built by hand so that
// tests pin its bytes: per cell, column id varint32 | write time int64 LE | expire-at int64 LE | value
// length varint32 | value bytes. Column ids below 128 and values shorter than 128 bytes (one varint byte).

#include <cstdint>
#include <span>
#include <string>

#include "storage/rocksdb/row_codec.h"

namespace ofs::storage::rocks {

inline std::string LegacyRowForTests(std::span<const CellView> cells) {
  std::string row;
  for (const CellView& cell : cells) {
    row.push_back(static_cast<char>(cell.column_id));
    for (const int64_t time : {cell.write_time, cell.expire_at}) {
      for (int byte = 0; byte < 8; ++byte) {
        row.push_back(static_cast<char>(static_cast<uint64_t>(time) >> (8 * byte)));
      }
    }
    row.push_back(static_cast<char>(cell.value.size()));
    row.append(cell.value);
  }
  return row;
}

}  // namespace ofs::storage::rocks
