#pragma once
// Where metadata backups are kept (docs/operations.md, "Backing up the metadata"): a directory, or an S3
// prefix s3://BUCKET/PREFIX on an S3-compatible endpoint, behind one small interface, so that `ofs
// backup`, `ofs restore` and the admin process's BackupScheduler never ask which. A backup is one
// document named ofs-metadata-<UTC time>.json (names sort by time) directly in the location.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ofs::app {

// What an s3:// location needs besides its URL (metadata.backup_s3_*, or the commands' --s3-* flags);
// the credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY only (s3/s3_client.h).
struct S3BackupSettings {
  std::string endpoint;  // "" = AWS's endpoint of `region`
  std::string region = "us-east-1";
  int64_t timeout_ms = 30'000;  // each request to the endpoint, at most
};

// Backup names: ofs-metadata-*.json.
bool IsBackupName(std::string_view name);

// Implementations are blocking (files, or requests bounded by S3BackupSettings::timeout_ms) and safe to
// use from one thread at a time. Errors name the file or the s3:// object.
class BackupLocation {
 public:
  virtual ~BackupLocation() = default;
  // The location as it was given, for messages (never with credentials).
  virtual const std::string& description() const = 0;
  // Where backup `name` is or would be: a path or an s3:// URL.
  virtual std::string Where(const std::string& name) const = 0;
  // Stores `document` as backup `name`, completely or not at all (a file is written to a temporary,
  // fsync'ed and renamed; an object is one PutObject); the directory is created if missing.
  virtual Status Write(const std::string& name, std::string_view document) = 0;
  // The names of the backups there, oldest first (none when a directory does not exist yet).
  virtual Result<std::vector<std::string>> List() = 0;
  virtual Status Remove(const std::string& name) = 0;
  // The contents of `name`, which need not be a backup name (a file given to `ofs restore`).
  virtual Result<std::string> Read(const std::string& name) = 0;
};

// A location: s3://BUCKET[/PREFIX] (the prefix taken as a folder: "a/b" and "a/b/" are the same), anything
// else a directory. Errors (INVALID_REQUEST): a bad S3 URL, endpoint or region, no credentials in the
// environment.
Result<std::unique_ptr<BackupLocation>> OpenBackupLocation(const std::string& location,
                                                           const S3BackupSettings& s3);

// What `ofs restore --from` reads: a backup itself (a file, or s3://BUCKET/KEY.json), or a location whose
// newest backup is taken (a directory, s3://BUCKET[/PREFIX]). Errors name `from`; a location without
// backups says so.
struct BackupDocument {
  std::string where;  // the file or object read
  std::string text;
};
Result<BackupDocument> ReadBackup(const std::string& from, const S3BackupSettings& s3);

}  // namespace ofs::app
