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
  // Fast path: cell heads of column ids below 64 and zigzag deltas of 0 fit one byte.
  if (!in->empty() && static_cast<uint8_t>(in->front()) < 0x80) {
    *v = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    return true;
  }
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

// Two's-complement arithmetic without signed overflow: a delta between any two int64 times round-trips.
int64_t WrappingSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// The stored form's tag (row_codec.h): the over-long varint encoding of 0, which AppendVarint64 never
// writes, so no legacy row (a bare cell list, starting with its column id) starts with it.
constexpr std::string_view kRowTag("\x80\x00", 2);

// value length varint32, then that many bytes.
bool ReadValue(std::string_view* in, std::string_view* value) {
  uint32_t length = 0;
  if (!ReadVarint32(in, &length) || length > in->size()) return false;
  *value = in->substr(0, length);
  in->remove_prefix(length);
  return true;
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

RowReader::RowReader(std::string_view row) : rest_(row) {
  if (rest_.size() < kRowTag.size() || rest_.substr(0, kRowTag.size()) != kRowTag) return;
  tagged_ = true;
  rest_.remove_prefix(kRowTag.size());
  uint64_t base_expiry = 0;
  // A tag without cells is malformed: a row with no cells is empty.
  ok_ = ReadFixed64(&rest_, &base_write_time_) && ReadVarint64(&rest_, &base_expiry) && !rest_.empty();
  base_expire_at_ = UnZigZag(base_expiry);
}

bool RowReader::Next(CellView* cell) {
  if (!ok_ || rest_.empty()) return false;
  ok_ = tagged_ ? NextTagged(cell) : NextLegacy(cell);
  if (!ok_) return false;
  last_column_ = cell->column_id;
  return true;
}

bool RowReader::NextTagged(CellView* cell) {
  cell->write_time = base_write_time_;
  cell->expire_at = base_expire_at_;
  // Fast path, the common cell: a one-byte head (column id below 64) without own times, and a one-byte
  // value length.
  const auto* bytes = reinterpret_cast<const uint8_t*>(rest_.data());
  if (rest_.size() >= 2 && bytes[0] < 0x80 && (bytes[0] & 1) == 0 && bytes[1] < 0x80) {
    cell->column_id = bytes[0] >> 1;
    const size_t length = bytes[1];
    if (static_cast<int64_t>(cell->column_id) <= last_column_ || length > rest_.size() - 2) return false;
    cell->value = rest_.substr(2, length);
    rest_.remove_prefix(2 + length);
    return true;
  }
  uint64_t head = 0;
  if (!ReadVarint64(&rest_, &head) || (head >> 1) > std::numeric_limits<uint32_t>::max()) return false;
  cell->column_id = static_cast<uint32_t>(head >> 1);
  if (static_cast<int64_t>(cell->column_id) <= last_column_) return false;
  if ((head & 1) != 0) {
    uint64_t time_delta = 0, expiry_delta = 0;
    if (!ReadVarint64(&rest_, &time_delta) || !ReadVarint64(&rest_, &expiry_delta)) return false;
    cell->write_time = WrappingAdd(base_write_time_, UnZigZag(time_delta));
    cell->expire_at = WrappingAdd(base_expire_at_, UnZigZag(expiry_delta));
  }
  return ReadValue(&rest_, &cell->value);
}

bool RowReader::NextLegacy(CellView* cell) {
  return ReadVarint32(&rest_, &cell->column_id) && static_cast<int64_t>(cell->column_id) > last_column_ &&
         ReadFixed64(&rest_, &cell->write_time) && ReadFixed64(&rest_, &cell->expire_at) &&
         ReadValue(&rest_, &cell->value);
}

void EncodeRow(std::span<const CellView> cells, std::string* out) {
  if (cells.empty()) return;
  const int64_t base_write_time = cells.front().write_time;
  const int64_t base_expire_at = cells.front().expire_at;
  out->append(kRowTag);
  AppendFixed64(base_write_time, out);
  AppendVarint64(ZigZag(base_expire_at), out);
  for (const CellView& cell : cells) {
    const bool own_times = cell.write_time != base_write_time || cell.expire_at != base_expire_at;
    AppendVarint64(static_cast<uint64_t>(cell.column_id) << 1 | (own_times ? 1 : 0), out);
    if (own_times) {
      AppendVarint64(ZigZag(WrappingSub(cell.write_time, base_write_time)), out);
      AppendVarint64(ZigZag(WrappingSub(cell.expire_at, base_expire_at)), out);
    }
    AppendVarint32(static_cast<uint32_t>(cell.value.size()), out);
    out->append(cell.value);
  }
}

void EncodeWrittenRow(std::span<const Cell> cells, int64_t write_time, int64_t expire_at,
                      std::vector<CellView>* scratch, std::string* out) {
  scratch->clear();
  scratch->push_back(CellView{kRowMarkerColumn, write_time, expire_at, {}});
  for (const Cell& cell : cells)
    scratch->push_back(CellView{cell.column_id, write_time, expire_at, cell.value});
  KeepWinners(scratch);
  EncodeRow(*scratch, out);
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
  if (drop_expired_at) {
    std::erase_if(cells, [now = *drop_expired_at](const CellView& cell) { return !cell.LiveAt(now); });
  }
  EncodeRow(cells, out);
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
  *live = false;
  RowReader reader(row);
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

namespace {

// The cells of `row` live at `now_micros`, in per-thread working space (valid until the thread's next
// call), and in *dropped whether any cell was not; nullptr on malformed input.
std::vector<CellView>* LiveCells(std::string_view row, int64_t now_micros, bool* dropped) {
  thread_local std::vector<CellView> live;
  live.clear();
  *dropped = false;
  RowReader reader(row);
  for (CellView cell; reader.Next(&cell);) {
    if (cell.LiveAt(now_micros)) {
      live.push_back(cell);
    } else {
      *dropped = true;
    }
  }
  return reader.ok() ? &live : nullptr;
}

}  // namespace

bool EncodeCachedRow(std::string_view stored, int64_t now_micros, std::string* out) {
  out->clear();
  bool dropped = false;
  std::vector<CellView>* live = LiveCells(stored, now_micros, &dropped);
  if (live == nullptr) return false;
  for (CellView& cell : *live) cell.write_time = 0;
  EncodeRow(*live, out);
  return true;
}

ExpiryOutcome DropExpiredCells(std::string_view row, int64_t now_micros, std::string* out) {
  out->clear();
  bool dropped = false;
  const std::vector<CellView>* live = LiveCells(row, now_micros, &dropped);
  if (live == nullptr) return ExpiryOutcome::kMalformed;
  if (live->empty()) return ExpiryOutcome::kNoLiveCell;
  if (!dropped) return ExpiryOutcome::kUnchanged;
  EncodeRow(*live, out);
  return ExpiryOutcome::kRewritten;
}

}  // namespace ofs::storage::rocks
