#pragma once
// The stored form of a row's value (ARCHITECTURE.md section 4): its cells, sorted by column id, one cell
// per column. The same format serves as RocksDB merge operand (one write's cells) and as merged value.
// Every cell has a write time (micros; the last-write-wins timestamp) and an expire-at (micros; 0 = never
// expires). A row written by one request shares both across its cells, so the row states them once:
//
//   row  = tag            2 bytes 0x80 0x00 (an over-long varint, which no legacy row starts with)
//          base time      8 bytes, little-endian int64: the write time of cells without their own
//          base expiry    zigzag varint64: the expire-at of cells without their own
//          cell...        one or more
//   cell = head           varint64: column id << 1 | 1 when the cell has its own times
//          [own time      zigzag varint64: write time - base time, wrapping]
//          [own expiry    zigzag varint64: expire-at - base expiry, wrapping]
//          value length   varint32
//          value bytes    canonical value bytes (codec/value_codec.h)
//
// The base is the first cell's times (the row marker's, when present), so a written row's cells carry
// none of their own: 2 bytes per cell plus the value, where the legacy form below spent 18.
// A row with no cells is empty (no tag). Rows written before the tag existed (legacy) are bare cells. They
// are rewritten in the tagged form only when merged with a newer write or when a cell of theirs expires
// in a compaction; a lone live legacy row stays as it is, so the legacy reader must stay:
//
//   cell = column id varint32 | write time fixed64 | expire-at fixed64 | value length varint32 | value
//
// Column id 0 is the row marker: written with an empty value by every row write, so key-only rows
// exist and a row exists while any of its cells is live. Catalog column ids start at 1.
// Decoders never read out of bounds: malformed input is reported, never trusted. Thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/online_store.h"

namespace ofs::storage::rocks {

inline constexpr uint32_t kRowMarkerColumn = 0;

struct CellView {
  uint32_t column_id = 0;
  int64_t write_time = 0;
  int64_t expire_at = 0;  // 0 = never
  std::string_view value;

  bool LiveAt(int64_t now_micros) const { return expire_at == 0 || expire_at > now_micros; }
};

// Last-write-wins: true when `a` beats `b` (greater write time, then greater value bytes, then the
// later expiry). A total order on distinct cells, so merging is commutative, associative, idempotent.
bool Supersedes(const CellView& a, const CellView& b);

// Reads the cells of a stored row front to back. Views point into the row bytes.
class RowReader {
 public:
  explicit RowReader(std::string_view row);
  // Reads the next cell; false at the end or on malformed input (then ok() is false).
  bool Next(CellView* cell);
  // False once a malformed cell or a column id not above its predecessor's was met.
  bool ok() const { return ok_; }

 private:
  bool NextTagged(CellView* cell);
  bool NextLegacy(CellView* cell);

  std::string_view rest_;
  int64_t last_column_ = -1;
  bool ok_ = true;
  bool tagged_ = false;
  int64_t base_write_time_ = 0;
  int64_t base_expire_at_ = 0;
};

// Appends the stored form of `cells` to *out (nothing for no cells). The reader accepts the result only
// when column ids strictly increase; tests build malformed rows through it on purpose.
void EncodeRow(std::span<const CellView> cells, std::string* out);

// Encodes one written row as a merge operand: the row marker, then `cells` sorted by column id with
// the last-write-wins winner kept where a column repeats. Every cell gets `write_time` and `expire_at`.
// `scratch` is reused working space. Cells must not use column id 0 (see CheckCells).
void EncodeWrittenRow(std::span<const Cell> cells, int64_t write_time, int64_t expire_at,
                      std::vector<CellView>* scratch, std::string* out);

// kInternal when a cell uses the reserved row-marker column id.
Status CheckCells(std::span<const Cell> cells);

// Expire-at of a cell written at `write_time` under a table TTL (0 = never; saturates, never 0 when
// the TTL is positive).
int64_t ExpireAt(int64_t write_time, int64_t ttl_seconds);

// Merges stored rows (in any order) into *out, keeping per column the cell that Supersedes the others.
// With `drop_expired_at`, cells expired at that time are left out: only valid when `rows` is the key's
// whole history (a full merge), because an expired cell still hides older cells of its column.
// False on malformed input (*out is then unspecified).
bool MergeRows(std::span<const std::string_view> rows, std::optional<int64_t> drop_expired_at,
               std::string* out);

// True when the row decodes (RowReader: column ids strictly increasing) and every cell is live at
// `now_micros`: such a row, as a key's whole history, is its own full merge (MergeRows would yield the
// same cells, possibly re-encoded).
bool IsWellFormedAndLiveAt(std::string_view row, int64_t now_micros);

// Whether any cell of the row is live at `now_micros`; nullopt on malformed input.
std::optional<bool> RowLiveAt(std::string_view row, int64_t now_micros);

// A requested column and the RowSet column its value goes to.
struct ColumnSlot {
  uint32_t column_id = 0;
  size_t output = 0;
};

// Slots for `column_ids` (outputs first_output, first_output + 1, ...), sorted by column id.
void SelectColumns(std::span<const uint32_t> column_ids, size_t first_output, std::vector<ColumnSlot>* slots);

// Copies the cells of `row` live at `now_micros` that `slots` (from SelectColumns) select into row
// `row_index` of *out, and sets *live when any cell of the row (the marker included) is live.
// False on malformed input.
bool CopyLiveCells(std::string_view row, std::span<const ColumnSlot> slots, int64_t now_micros,
                   size_t row_index, RowSet* out, bool* live);

// The cached form of a merged row (RowCache entries, row_cache.h): the stored form of its cells live at
// fill time, with write times set to 0 — only merges need them, and cached rows never merge (writes
// invalidate them) — so that only cells with another expiry carry times of their own. CopyLiveCells
// reads it. Dropping expired cells changes nothing for later reads: a merged row holds one cell per
// column, and an expired cell stays expired.
// Encodes the merged (Get) row `stored`; false on malformed input.
bool EncodeCachedRow(std::string_view stored, int64_t now_micros, std::string* out);

enum class ExpiryOutcome : uint8_t {
  kUnchanged,   // no cell expired (*out is empty: the row stands as it is)
  kRewritten,   // *out holds the live cells
  kNoLiveCell,  // every cell expired (or the row is empty)
  kMalformed,
};
// Drops the cells of a stored row that are expired at `now_micros` (*out is overwritten, and left empty
// unless the outcome is kRewritten).
ExpiryOutcome DropExpiredCells(std::string_view row, int64_t now_micros, std::string* out);

}  // namespace ofs::storage::rocks
