#pragma once
// SuspensionTable: one loop's suspended requests by ticket. A ticket names one suspension of one
// connection, so a resumption that arrives after its request timed out (or its connection closed) finds
// nothing instead of a connection that was destroyed or moved on to another request. O(1) and free of
// allocation in steady state: slots are reused, each with a generation that changes on every reuse.
// Not thread-safe: the owning loop's thread only (resuming threads carry tickets, never pointers).

#include <cstdint>
#include <vector>

namespace ofs::http {

class Connection;

class SuspensionTable {
 public:
  // Lists `connection`; returns its ticket (never 0).
  uint64_t Add(Connection* connection) {
    uint32_t index;
    if (free_.empty()) {
      index = static_cast<uint32_t>(slots_.size());
      slots_.push_back(Slot{});
    } else {
      index = free_.back();
      free_.pop_back();
    }
    Slot& slot = slots_[index];
    slot.connection = connection;
    return (static_cast<uint64_t>(slot.generation) << 32) | (index + 1);
  }

  // Unlists the ticket's suspension and returns its connection; nullptr when the ticket is stale.
  Connection* Take(uint64_t ticket) {
    const uint64_t low = ticket & 0xffffffffu;
    if (low == 0 || low > slots_.size()) return nullptr;
    const auto index = static_cast<uint32_t>(low - 1);
    Slot& slot = slots_[index];
    if (slot.connection == nullptr || slot.generation != static_cast<uint32_t>(ticket >> 32)) return nullptr;
    Connection* connection = slot.connection;
    slot.connection = nullptr;
    ++slot.generation;
    free_.push_back(index);
    return connection;
  }

 private:
  struct Slot {
    Connection* connection = nullptr;
    uint32_t generation = 1;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
};

}  // namespace ofs::http
