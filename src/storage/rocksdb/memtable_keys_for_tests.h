#pragma once
// Tests only: memtable keys built as RocksDB builds them (varint32 length of the internal key, the user
// key, the fixed64 trailer sequence << 8 | type, then the value), kept at stable addresses.

#include <cstdint>
#include <deque>
#include <string>

namespace ofs::storage::rocks::memtable {

class MemtableKeysForTests {
 public:
  // The memtable key of a value (type 1) written at `sequence`; valid as long as this object.
  const char* Add(const std::string& user_key, uint64_t sequence) {
    std::string& key = storage_.emplace_back();
    uint32_t size = static_cast<uint32_t>(user_key.size() + 8);
    while (size >= 0x80) {
      key += static_cast<char>(size | 0x80);
      size >>= 7;
    }
    key += static_cast<char>(size);
    key += user_key;
    const uint64_t trailer = sequence << 8 | 1;
    for (int i = 0; i < 8; ++i) key += static_cast<char>(trailer >> (8 * i));
    key += "value";
    return key.data();
  }

 private:
  std::deque<std::string> storage_;
};

}  // namespace ofs::storage::rocks::memtable
