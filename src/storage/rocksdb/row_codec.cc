#include "storage/rocksdb/row_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace ofs::storage::rocks {
namespace {

constexpr int kMaxVarint32Bytes = 5;

// LEB128: 7 bits per byte, low groups first; a 32-bit value encodes the same as its 64-bit widening.
void AppendVarint64(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void AppendVarint32(uint32_t v, std::string* out) { AppendVarint64(v, out); }

bool ReadVarint32(std::string_view* in, uint32_t* v) {
  // Fast path: column ids and most value lengths fit one byte.
  if (!in->empty() && static_cast<uint8_t>(in->front()) < 0x80) {
    *v = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    return true;
  }
  uint64_t result = 0;
  for (int i = 0; i < kMaxVarint32Bytes && i < static_cast<int>(in->size()); ++i) {
    const auto byte = static_cast<uint8_t>((*in)[static_cast<size_t>(i)]);
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (result > std::numeric_limits<uint32_t>::max()) return false;
      in->remove_prefix(static_cast<size_t>(i) + 1);
      *v = static_cast<uint32_t>(result);
      return true;
    }
  }
  return false;
}

void AppendFixed64(int64_t v, std::string* out) {
  auto u = static_cast<uint64_t>(v);
  char bytes[8];
  for (char& byte : bytes) {
    byte = static_cast<char>(u & 0xFF);
    u >>= 8;
  }
  out->append(bytes, sizeof(bytes));
}

bool ReadFixed64(std::string_view* in, int64_t* v) {
  if (in->size() < 8) return false;
  uint64_t u = 0;
  std::memcpy(&u, in->data(), sizeof(u));  // one load; the format is little-endian
  if constexpr (std::endian::native == std::endian::big) u = __builtin_bswap64(u);
  in->remove_prefix(8);
  *v = static_cast<int64_t>(u);
  return true;
}

bool ReadVarint64(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int i = 0; i < 10 && i < static_cast<int>(in->size()); ++i) {
    const auto byte = static_cast<uint8_t>((*in)[static_cast<size_t>(i)]);
    if (i == 9 && byte > 1) return false;  // beyond 64 bits
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      in->remove_prefix(static_cast<size_t>(i) + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Reads the cells of the cached form (row_codec.h); the same contract as RowReader (write_time is 0).
class CachedRowReader {
 public:
  explicit CachedRowReader(std::string_view row) : rest_(row) {}
  bool Next(CellView* cell) {
    if (!ok_ || rest_.empty()) return false;
    uint64_t expire_at = 0;
    uint32_t length = 0;
    ok_ = ReadVarint32(&rest_, &cell->column_id) && static_cast<int64_t>(cell->column_id) > last_column_ &&
          ReadVarint64(&rest_, &expire_at) && ReadVarint32(&rest_, &length) && length <= rest_.size();
    if (!ok_) return false;
    cell->write_time = 0;
    cell->expire_at = UnZigZag(expire_at);
    cell->value = rest_.substr(0, length);
    rest_.remove_prefix(length);
    last_column_ = cell->column_id;
    return true;
  }
  bool ok() const { return ok_; }

 private:
  std::string_view rest_;
  int64_t last_column_ = -1;
  bool ok_ = true;
};

// The live cells of `row` that `slots` select go to row `row_index` of *out; *live tells whether any cell
// of the row (the marker included) is live. Shared by the stored and the cached forms.
template <typename Reader>
bool CopyLive(std::string_view row, std::span<const ColumnSlot> slots, int64_t now_micros, size_t row_index,
              RowSet* out, bool* live) {
  *live = false;
  Reader reader(row);
  auto slot = slots.begin();
  for (CellView cell; reader.Next(&cell);) {
    if (!cell.LiveAt(now_micros)) continue;
    *live = true;
    while (slot != slots.end() && slot->column_id < cell.column_id) ++slot;
    // A column requested twice fills both outputs.
    for (auto same = slot; same != slots.end() && same->column_id == cell.column_id; ++same) {
      out->SetCell(row_index, same->output, cell.value);
    }
  }
  return reader.ok();
}

// Whether expiry `a` is later than `b`, never (0) being later than any time. A direct comparison, not a
// rank: mapping 0 to the top of the int64 range would tie it with INT64_MAX, which ExpireAt saturates to.
bool ExpiresLater(int64_t a, int64_t b) {
  if ((a == 0) != (b == 0)) return a == 0;
  return a > b;
}

// Sorts by column id, then keeps the winner of each run of equal ids. Supersedes is a total order on
// distinct cells, so the order within a run does not matter: std::sort (in place, no allocation, unlike
// std::stable_sort's temporary buffer).
void KeepWinners(std::vector<CellView>* cells) {
  std::sort(cells->begin(), cells->end(),
            [](const CellView& a, const CellView& b) { return a.column_id < b.column_id; });
  size_t kept = 0;
  for (const CellView& cell : *cells) {
    if (kept > 0 && (*cells)[kept - 1].column_id == cell.column_id) {
      if (Supersedes(cell, (*cells)[kept - 1])) (*cells)[kept - 1] = cell;
    } else {
      (*cells)[kept++] = cell;
    }
  }
  cells->resize(kept);
}

}  // namespace

bool Supersedes(const CellView& a, const CellView& b) {
  if (a.write_time != b.write_time) return a.write_time > b.write_time;
  if (const int c = a.value.compare(b.value); c != 0) return c > 0;
  return ExpiresLater(a.expire_at, b.expire_at);
}

bool RowReader::Next(CellView* cell) {
  if (!ok_ || rest_.empty()) return false;
  uint32_t length = 0;
  ok_ = ReadVarint32(&rest_, &cell->column_id) && static_cast<int64_t>(cell->column_id) > last_column_ &&
        ReadFixed64(&rest_, &cell->write_time) && ReadFixed64(&rest_, &cell->expire_at) &&
        ReadVarint32(&rest_, &length) && length <= rest_.size();
  if (!ok_) return false;
  cell->value = rest_.substr(0, length);
  rest_.remove_prefix(length);
  last_column_ = cell->column_id;
  return true;
}

void AppendCell(const CellView& cell, std::string* out) {
  AppendVarint32(cell.column_id, out);
  AppendFixed64(cell.write_time, out);
  AppendFixed64(cell.expire_at, out);
  AppendVarint32(static_cast<uint32_t>(cell.value.size()), out);
  out->append(cell.value);
}

void EncodeWrittenRow(std::span<const Cell> cells, int64_t write_time, int64_t expire_at,
                      std::vector<CellView>* scratch, std::string* out) {
  scratch->clear();
  scratch->push_back(CellView{kRowMarkerColumn, write_time, expire_at, {}});
  for (const Cell& cell : cells)
    scratch->push_back(CellView{cell.column_id, write_time, expire_at, cell.value});
  KeepWinners(scratch);
  for (const CellView& cell : *scratch) AppendCell(cell, out);
}

Status CheckCells(std::span<const Cell> cells) {
  for (const Cell& cell : cells) {
    if (cell.column_id == kRowMarkerColumn) {
      return Status(ErrorCode::kInternal, "storage request breaks its contract",
                    "column id 0 is reserved for the row marker");
    }
  }
  return Status::Ok();
}

int64_t ExpireAt(int64_t write_time, int64_t ttl_seconds) {
  if (ttl_seconds <= 0) return 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t ttl_micros = ttl_seconds > kMax / 1'000'000 ? kMax : ttl_seconds * 1'000'000;
  const int64_t expire_at = write_time > kMax - ttl_micros ? kMax : write_time + ttl_micros;
  return expire_at == 0 ? 1 : expire_at;  // 0 would mean "never"; 1 is expired at any real time
}

bool MergeRows(std::span<const std::string_view> rows, std::optional<int64_t> drop_expired_at,
               std::string* out) {
  // Per-thread working space: merges run on every read of a key with pending operands.
  thread_local std::vector<CellView> cells;
  cells.clear();
  for (std::string_view row : rows) {
    RowReader reader(row);
    for (CellView cell; reader.Next(&cell);) cells.push_back(cell);
    if (!reader.ok()) return false;
  }
  KeepWinners(&cells);
  for (const CellView& cell : cells) {
    if (!drop_expired_at || cell.LiveAt(*drop_expired_at)) AppendCell(cell, out);
  }
  return true;
}

bool IsWellFormedAndLiveAt(std::string_view row, int64_t now_micros) {
  RowReader reader(row);
  for (CellView cell; reader.Next(&cell);) {
    if (!cell.LiveAt(now_micros)) return false;
  }
  return reader.ok();
}

std::optional<bool> RowLiveAt(std::string_view row, int64_t now_micros) {
  RowReader reader(row);
  bool live = false;
  for (CellView cell; reader.Next(&cell);) live = live || cell.LiveAt(now_micros);
  if (!reader.ok()) return std::nullopt;
  return live;
}

void SelectColumns(std::span<const uint32_t> column_ids, size_t first_output,
                   std::vector<ColumnSlot>* slots) {
  slots->clear();
  for (size_t i = 0; i < column_ids.size(); ++i)
    slots->push_back(ColumnSlot{column_ids[i], first_output + i});
  std::sort(slots->begin(), slots->end(),
            [](const ColumnSlot& a, const ColumnSlot& b) { return a.column_id < b.column_id; });
}

bool CopyLiveCells(std::string_view row, std::span<const ColumnSlot> slots, int64_t now_micros,
                   size_t row_index, RowSet* out, bool* live) {
  return CopyLive<RowReader>(row, slots, now_micros, row_index, out, live);
}

bool EncodeCachedRow(std::string_view stored, int64_t now_micros, std::string* out) {
  out->clear();
  RowReader reader(stored);
  for (CellView cell; reader.Next(&cell);) {
    if (!cell.LiveAt(now_micros)) continue;
    AppendVarint32(cell.column_id, out);
    AppendVarint64(ZigZag(cell.expire_at), out);
    AppendVarint32(static_cast<uint32_t>(cell.value.size()), out);
    out->append(cell.value);
  }
  return reader.ok();
}

bool CopyLiveCachedCells(std::string_view cached, std::span<const ColumnSlot> slots, int64_t now_micros,
                         size_t row_index, RowSet* out, bool* live) {
  return CopyLive<CachedRowReader>(cached, slots, now_micros, row_index, out, live);
}

ExpiryOutcome DropExpiredCells(std::string_view row, int64_t now_micros, std::string* out) {
  out->clear();
  RowReader reader(row);
  bool dropped = false;
  for (CellView cell; reader.Next(&cell);) {
    if (cell.LiveAt(now_micros)) {
      AppendCell(cell, out);
    } else {
      dropped = true;
    }
  }
  if (!reader.ok()) return ExpiryOutcome::kMalformed;
  if (out->empty()) return ExpiryOutcome::kNoLiveCell;
  return dropped ? ExpiryOutcome::kRewritten : ExpiryOutcome::kUnchanged;
}

}  // namespace ofs::storage::rocks
