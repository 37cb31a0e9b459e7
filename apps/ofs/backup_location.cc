#include "backup_location.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "s3/s3_client.h"

namespace ofs::app {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "ofs-metadata-";
constexpr std::string_view kSuffix = ".json";
// A metadata backup is a JSON snapshot of names and schemas: megabytes. Reading an object stops here.
constexpr size_t kMaxBackupBytes = size_t{1} << 30;

// Writes `text` to `path` durably: a temporary file fsync'ed, renamed over `path`, the directory fsync'ed.
Status WriteDurably(const fs::path& path, std::string_view text) {
  const fs::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return Status(ErrorCode::kInvalidRequest, "cannot create " + temporary.string(), std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return Status(ErrorCode::kInvalidRequest, "cannot write " + temporary.string(), std::strerror(error));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return Status(ErrorCode::kInvalidRequest, "cannot sync " + temporary.string(), std::strerror(error));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status(ErrorCode::kInvalidRequest, "cannot rename to " + path.string(), std::strerror(errno));
  }
  const int dir_fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

class DirectoryLocation final : public BackupLocation {
 public:
  explicit DirectoryLocation(std::string dir) : dir_(std::move(dir)) {}

  const std::string& description() const override { return dir_; }
  std::string Where(const std::string& name) const override { return (fs::path(dir_) / name).string(); }

  Status Write(const std::string& name, std::string_view document) override {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) {
      return Status(ErrorCode::kInvalidRequest, "cannot create the backup directory " + dir_, ec.message());
    }
    return WriteDurably(Where(name), document);
  }

  Result<std::vector<std::string>> List() override {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file(ec) && IsBackupName(name)) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  Status Remove(const std::string& name) override {
    std::error_code ec;
    fs::remove(Where(name), ec);
    if (ec) return Status(ErrorCode::kInvalidRequest, "cannot remove " + Where(name), ec.message());
    return Status::Ok();
  }

  Result<std::string> Read(const std::string& name) override {
    std::ifstream in(Where(name), std::ios::binary);
    if (!in) return Status(ErrorCode::kInvalidRequest, "cannot read " + Where(name), std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  const std::string dir_;
};

// Backups are the objects PREFIX/ofs-metadata-*.json (none deeper down).
class S3Location final : public BackupLocation {
 public:
  S3Location(std::string description, s3::S3Client client, std::string bucket, std::string prefix)
      : description_(std::move(description)),
        client_(std::move(client)),
        bucket_(std::move(bucket)),
        prefix_(std::move(prefix)) {}

  const std::string& description() const override { return description_; }
  std::string Where(const std::string& name) const override {
    return "s3://" + bucket_ + "/" + prefix_ + name;
  }

  Status Write(const std::string& name, std::string_view document) override {
    return client_.PutObject(bucket_, prefix_ + name, document, "application/json");
  }

  Result<std::vector<std::string>> List() override {
    OFS_ASSIGN_OR_RETURN(std::vector<s3::ObjectEntry> objects, client_.ListObjects(bucket_, prefix_));
    std::vector<std::string> names;
    for (const s3::ObjectEntry& object : objects) {
      if (!object.key.starts_with(prefix_)) continue;
      std::string name = object.key.substr(prefix_.size());
      if (IsBackupName(name) && name.find('/') == std::string::npos) names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  Status Remove(const std::string& name) override { return client_.DeleteObject(bucket_, prefix_ + name); }

  Result<std::string> Read(const std::string& name) override {
    return client_.GetObject(bucket_, prefix_ + name, kMaxBackupBytes);
  }

 private:
  const std::string description_;
  const s3::S3Client client_;
  const std::string bucket_;
  const std::string prefix_;  // "" or ending with '/'
};

Result<std::unique_ptr<BackupLocation>> OpenS3Location(const std::string& location,
                                                       const S3BackupSettings& settings) {
  OFS_ASSIGN_OR_RETURN(s3::S3Url url, s3::ParseS3Url(location));
  s3::S3Options options{settings.endpoint, settings.region, "", "",
                        std::chrono::milliseconds(settings.timeout_ms)};
  OFS_RETURN_IF_ERROR(s3::CredentialsFromEnvironment(&options));
  OFS_ASSIGN_OR_RETURN(s3::S3Client client, s3::S3Client::Create(std::move(options)));
  std::string prefix = url.key;
  if (!prefix.empty() && !prefix.ends_with('/')) prefix += '/';
  return std::unique_ptr<BackupLocation>(
      new S3Location(location, std::move(client), std::move(url.bucket), std::move(prefix)));
}

}  // namespace

bool IsBackupName(std::string_view name) {
  return name.size() > kPrefix.size() + kSuffix.size() && name.starts_with(kPrefix) &&
         name.ends_with(kSuffix);
}

Result<std::unique_ptr<BackupLocation>> OpenBackupLocation(const std::string& location,
                                                           const S3BackupSettings& s3) {
  if (s3::IsS3Url(location)) return OpenS3Location(location, s3);
  return std::unique_ptr<BackupLocation>(new DirectoryLocation(location));
}

Result<BackupDocument> ReadBackup(const std::string& from, const S3BackupSettings& s3) {
  // A backup itself: read from its parent location by name.
  std::string parent;
  std::string name;
  if (s3::IsS3Url(from)) {
    OFS_ASSIGN_OR_RETURN(s3::S3Url url, s3::ParseS3Url(from));
    if (url.key.ends_with(kSuffix)) {
      const size_t slash = url.key.rfind('/');
      parent = "s3://" + url.bucket + "/" + (slash == std::string::npos ? "" : url.key.substr(0, slash + 1));
      name = slash == std::string::npos ? url.key : url.key.substr(slash + 1);
    }
  } else {
    std::error_code ec;
    if (!fs::is_directory(from, ec)) {
      parent = fs::path(from).parent_path().string();
      if (parent.empty()) parent = ".";
      name = fs::path(from).filename().string();
    }
  }
  OFS_ASSIGN_OR_RETURN(std::unique_ptr<BackupLocation> location,
                       OpenBackupLocation(name.empty() ? from : parent, s3));
  if (name.empty()) {
    OFS_ASSIGN_OR_RETURN(std::vector<std::string> names, location->List());
    if (names.empty()) {
      return Status(ErrorCode::kInvalidRequest, "no backup (" + std::string(kPrefix) + "*.json) in " + from);
    }
    name = names.back();
  }
  OFS_ASSIGN_OR_RETURN(std::string text, location->Read(name));
  return BackupDocument{location->Where(name), std::move(text)};
}

}  // namespace ofs::app
