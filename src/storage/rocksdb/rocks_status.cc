#include "storage/rocksdb/rocks_status.h"

#include <string>

#include "base/log.h"

namespace ofs::storage::rocks {
namespace {

constexpr std::string_view kPathEnd = " \t\n:,;()[]\"'";

// What a RocksDB file is, from its name (RocksDB's file naming: file/filename.h).
std::string_view KindOf(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.ends_with(".sst")) return "a table file";
  if (name.ends_with(".log")) return "a WAL file";
  if (name.ends_with(".blob")) return "a blob file";
  if (name.ends_with(".dbtmp") || name.ends_with(".tmp")) return "a temporary file";
  if (name.starts_with("MANIFEST")) return "the MANIFEST";
  if (name.starts_with("OPTIONS")) return "an OPTIONS file";
  if (name == "CURRENT") return "the CURRENT file";
  if (name == "LOCK") return "the lock file";
  if (name == "IDENTITY") return "the IDENTITY file";
  if (name.starts_with("LOG")) return "the info log";
  if (name.find('.') == std::string_view::npos) return "a directory of the store";
  return "a file of the store";
}

}  // namespace

std::string WithoutPaths(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  size_t i = 0;
  while (i < message.size()) {
    const bool starts_path =
        message[i] == '/' && (i == 0 || kPathEnd.find(message[i - 1]) != std::string_view::npos);
    if (!starts_path) {
      out.push_back(message[i++]);
      continue;
    }
    size_t end = message.find_first_of(kPathEnd, i);
    if (end == std::string_view::npos) end = message.size();
    out.append(KindOf(message.substr(i, end - i)));
    i = end;
  }
  return out;
}

Status FromRocks(const rocksdb::Status& status, std::string_view operation) {
  if (status.ok()) return Status::Ok();
  const ErrorCode code = status.IsCorruption() ? ErrorCode::kInternal : ErrorCode::kStoreUnavailable;
  const std::string full = status.ToString();
  std::string cause = WithoutPaths(full);
  if (cause != full) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_WARN, "storage", "RocksDB {} failed: {}", operation, full);
  }
  return Status(code, "RocksDB " + std::string(operation) + " failed", std::move(cause));
}

}  // namespace ofs::storage::rocks
