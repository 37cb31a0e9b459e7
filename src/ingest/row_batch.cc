#include "ingest/row_batch.h"

#include <simdjson.h>

#include <charconv>
#include <utility>

#include "api/json_read.h"
#include "base/strings.h"
#include "codec/value_codec.h"
#include "ingest/countdown.h"
#include "model/types.h"

namespace ofs::ingest {
namespace {

constexpr ErrorCode kShape = ErrorCode::kWriteFeatureGroupRequest;

Rejection Reject(std::string_view reason, std::string message) {
  return Rejection{reason, std::move(message)};
}

// Reason and message of a JSON decoding failure.
Rejection Malformed(const Status& status, std::string_view what) {
  return Reject(kReasonMalformed, std::string(what) + ": " + std::string(status.message()));
}

bool ParseInt64(std::string_view text, int64_t* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

const catalog::ResolvedColumn* RowBatch::FindColumn(const catalog::GroupEntry& group, std::string_view name,
                                                    size_t position) {
  if (names_group_ != &group) {
    names_group_ = &group;
    names_.clear();
  }
  if (position < names_.size() && names_[position].first == name) return names_[position].second;
  for (const auto& [known, column] : names_) {
    if (known == name) return column;
  }
  const catalog::ResolvedColumn* column = group.Find(name);
  if (names_.size() < 256) names_.emplace_back(std::string(name), column);
  return column;
}

int64_t RowBatch::WriteTimeOf(const Record& record) const {
  if (auto header = record.Find(kWriteTimeHeader)) {
    int64_t micros = 0;
    if (ParseInt64(*header, &micros) && micros >= 0) return micros;  // 0 too: a load job's time may be 0
  }
  if (record.timestamp_ms > 0) return record.timestamp_ms * 1000;
  return clock_->NowMicros();
}

std::optional<Rejection> RowBatch::Add(const Record& record) {
  if (record.value.size() > limits_.max_value_bytes) {
    return Reject(kReasonTooLarge, "record value of " + std::to_string(record.value.size()) +
                                       " bytes exceeds ingest.max_record_bytes (" +
                                       std::to_string(limits_.max_value_bytes) + ")");
  }
  const int64_t write_time = WriteTimeOf(record);
  const std::optional<std::string_view> sdk = record.Find(kSdkVersionHeader);
  if (!sdk.has_value() || EqualsIgnoreCase(*sdk, "v1")) return AddV1(record, write_time);
  if (!EqualsIgnoreCase(*sdk, "v2")) {
    return Reject(kReasonMalformed, "unknown sdk-version '" + std::string(*sdk) + "' (expected v1 or v2)");
  }
  const std::optional<std::string_view> name = record.Find(kGroupNameHeader);
  if (!name.has_value() || name->empty()) {
    return Reject(kReasonMissingHeader, "a v2 record needs the feature-group-name header");
  }
  std::optional<int64_t> version;
  if (auto text = record.Find(kGroupVersionHeader); text.has_value() && !text->empty()) {
    version = model::ParseVersion(*text);
    if (!version.has_value()) {
      return Reject(kReasonUnknownGroup,
                    "feature-group-version '" + std::string(*text) + "' is not a version");
    }
  }
  // As Darwin's consumer reads it (Java's Boolean.parseBoolean): absent = true, else only "true" is true.
  bool replicate = true;
  if (auto text = record.Find(kReplicatedWritesHeader); text.has_value())
    replicate = EqualsIgnoreCase(*text, "true");
  // The records of a batch mostly name one group: the last lookup is reused (FindGroup lower-cases).
  if (!last_group_.has_value() || last_group_name_ != *name || last_group_version_ != version) {
    last_group_ = snapshot_->FindGroup(*name, version);
    last_group_name_.assign(*name);
    last_group_version_ = version;
  }
  const catalog::GroupEntry* group = *last_group_;
  if (group == nullptr) {
    return Reject(kReasonUnknownGroup, "feature group '" + std::string(*name) + "'" +
                                           (version ? " version " + std::to_string(*version) : "") +
                                           " not found");
  }
  return AddV2(record, *group, write_time, replicate);
}

std::optional<Rejection> RowBatch::AddV2(const Record& record, const catalog::GroupEntry& group,
                                         int64_t write_time, bool replicate) {
  return AddRowObject(record.value, group, write_time, replicate, "record value");
}

// v1 (legacy): {"EntityName", "Entities": "k1,k2", "FeatureGroup", "Features": "<JSON object as a string>"},
// the latest version of FeatureGroup, replicated as by default.
std::optional<Rejection> RowBatch::AddV1(const Record& record, int64_t write_time) {
  padded_.assign(record.value);
  padded_.append(simdjson::SIMDJSON_PADDING, '\0');
  const std::string_view json(padded_.data(), record.value.size());
  std::string_view group_name;
  std::string features;
  bool has_group = false;
  bool has_features = false;
  Status parsed =
      api::ForEachRootField(json, 3, kShape, "v1 record", [&](std::string_view key, api::JsonValue value) {
        if (key == "FeatureGroup") {
          has_group = true;
          return api::ReadString(std::move(value), &group_name, kShape, "FeatureGroup");
        }
        if (key == "Features") {
          has_features = true;
          std::string_view text;
          OFS_RETURN_IF_ERROR(api::ReadString(std::move(value), &text, kShape, "Features"));
          features.assign(text);
        }
        return Status::Ok();
      });
  if (!parsed.ok()) return Malformed(parsed, "v1 record");
  if (!has_group || group_name.empty())
    return Reject(kReasonMalformed, "v1 record: FeatureGroup is required");
  if (!has_features) return Reject(kReasonMalformed, "v1 record: Features is required");
  const catalog::GroupEntry* group = snapshot_->FindGroup(group_name, std::nullopt);
  if (group == nullptr) {
    return Reject(kReasonUnknownGroup, "feature group '" + std::string(group_name) + "' not found");
  }
  return AddRowObject(features, *group, write_time, true, "v1 Features");
}

// One row as a flat JSON object of plain column names (entity and group columns) -> values.
std::optional<Rejection> RowBatch::AddRowObject(std::string_view text, const catalog::GroupEntry& group,
                                                int64_t write_time, bool replicate, std::string_view what) {
  if (group.meta.state == model::State::kArchived) {
    return Reject(kReasonArchived,
                  "feature group " + group.meta.name + " " + group.meta.version + " is archived");
  }
  if (text.data() != padded_.data()) {
    padded_.assign(text);
    padded_.append(simdjson::SIMDJSON_PADDING, '\0');
  }
  const std::string_view json(padded_.data(), text.size());
  const size_t width = group.entity->table.key_columns.size();
  const size_t bytes_before = bytes_.size();
  thread_local std::vector<std::pair<uint32_t, uint32_t>> key_spans;  // per key column
  thread_local std::vector<const catalog::ResolvedColumn*> seen;
  thread_local std::vector<uint32_t> cells;  // (id, offset, size) triples
  key_spans.assign(width, {0, UINT32_MAX});
  seen.clear();
  cells.clear();
  std::optional<Rejection> rejection;
  size_t position = 0;
  Status parsed =
      api::ForEachRootField(json, 4, kShape, what, [&](std::string_view key, api::JsonValue value) {
        if (rejection.has_value()) return Status::Ok();
        const catalog::ResolvedColumn* column = FindColumn(group, key, position++);
        if (column == nullptr) {
          rejection = Reject(kReasonSchema, "unknown column '" + std::string(key) + "' (feature group " +
                                                group.meta.name + " " + group.meta.version + ")");
          return Status::Ok();
        }
        for (const auto* s : seen) {
          if (s == column) {
            rejection = Reject(kReasonSchema, "duplicate column '" + std::string(key) + "'");
            return Status::Ok();
          }
        }
        seen.push_back(column);
        codec::JsonScalar scalar;
        std::string_view raw;
        OFS_RETURN_IF_ERROR(api::ReadScalar(std::move(value), &scalar, &raw));
        const auto offset = static_cast<uint32_t>(bytes_.size());
        if (Status converted = codec::AppendValue(column->type, scalar, &bytes_); !converted.ok()) {
          rejection =
              Reject(kReasonBadValue, "column '" + column->name + "': " + std::string(converted.message()));
          return Status::Ok();
        }
        const auto size = static_cast<uint32_t>(bytes_.size() - offset);
        if (column->key_index >= 0) {
          key_spans[static_cast<size_t>(column->key_index)] = {offset, size};
        } else {
          cells.insert(cells.end(), {column->id, offset, size});
        }
        return Status::Ok();
      });
  if (!parsed.ok() && !rejection.has_value()) rejection = Malformed(parsed, what);
  if (!rejection.has_value()) {
    for (size_t k = 0; k < width; ++k) {
      if (key_spans[k].second == UINT32_MAX) {
        rejection = Reject(kReasonSchema,
                           "primary key column '" + group.entity->table.key_columns[k].name + "' is missing");
        break;
      }
    }
  }
  if (rejection.has_value()) {
    bytes_.resize(bytes_before);
    return rejection;
  }
  Bucket& bucket = buckets_[BucketKey{&group, write_time, replicate}];
  for (const auto& [offset, size] : key_spans)
    bucket.key_spans.insert(bucket.key_spans.end(), {offset, size});
  bucket.row_cells.push_back(static_cast<uint32_t>(bucket.cell_spans.size() / 3));
  bucket.cell_spans.insert(bucket.cell_spans.end(), cells.begin(), cells.end());
  ++row_count_;
  return std::nullopt;
}

Status RowBatch::Write(storage::OnlineStore& store) {
  struct Prepared {
    std::vector<std::string_view> keys;
    std::vector<storage::Cell> cells;
    std::vector<storage::WriteRow> rows;
    storage::WriteRequest request;
  };
  std::vector<Prepared> writes;
  writes.reserve(buckets_.size() * 2);
  const std::string_view bytes(bytes_);
  for (auto& [key, bucket] : buckets_) {
    const auto& [group, write_time, replicate] = key;
    const size_t width = group->entity->table.key_columns.size();
    const size_t rows = bucket.row_cells.size();
    Prepared& p = writes.emplace_back();
    for (size_t i = 0; i < bucket.key_spans.size(); i += 2)
      p.keys.push_back(bytes.substr(bucket.key_spans[i], bucket.key_spans[i + 1]));
    for (size_t i = 0; i < bucket.cell_spans.size(); i += 3) {
      p.cells.push_back(storage::Cell{bucket.cell_spans[i],
                                      bytes.substr(bucket.cell_spans[i + 1], bucket.cell_spans[i + 2])});
    }
    for (size_t r = 0; r < rows; ++r) {
      const size_t first = bucket.row_cells[r];
      const size_t end = r + 1 < rows ? bucket.row_cells[r + 1] : p.cells.size();
      p.rows.push_back(
          storage::WriteRow{std::span<const std::string_view>(p.keys.data() + r * width, width),
                            std::span<const storage::Cell>(p.cells.data() + first, end - first)});
    }
    const model::TenantConfig& tenant = group->meta.tenant;
    p.request = storage::WriteRequest{tenant.write, &group->entity->table, write_time, p.rows};
    if (replicate && tenant.read != tenant.write) {
      Prepared& dual = writes.emplace_back();
      dual.request = p.request;  // the rows of `p` (its vectors do not move: reserved above)
      dual.request.tenant = tenant.read;
    }
  }
  if (writes.empty()) return Status::Ok();
  // Applied, then made durable by one sync for the whole batch (one WAL fsync, not one per write time):
  // the caller commits nothing before this returns, so a crash before the sync replays the batch.
  Countdown countdown(writes.size());
  for (Prepared& p : writes) {
    p.request.durability = storage::Durability::kApplied;
    store.Write(p.request, [&countdown](Status s) { countdown.Arrive(std::move(s)); });
  }
  OFS_RETURN_IF_ERROR(countdown.Wait());
  Countdown synced(1);
  store.SyncWrites([&synced](Status s) { synced.Arrive(std::move(s)); }, storage::SyncStart::kNow);
  return synced.Wait();
}

void RowBatch::Clear() {
  buckets_.clear();
  bytes_.clear();
  row_count_ = 0;
}

}  // namespace ofs::ingest
