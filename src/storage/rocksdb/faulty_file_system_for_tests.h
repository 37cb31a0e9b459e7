#pragma once
// Tests only: a RocksDB file system that fails chosen operations on demand, the way RocksDB's own tests
// inject faults (through the FileSystem seam, utilities/fault_injection_fs.h, which Debian does not
// install). Failures carry the file's full path, as the real ones do.

#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace ofs::storage::rocks {

class FaultyFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "OfsFaultyFileSystemForTests"; }

  std::atomic<bool> fail_wal_allocate{false};  // WAL preallocation: ENOSPC
  std::atomic<bool> no_wal_allocate{false};    // WAL preallocation: EOPNOTSUPP (a file system without it)
  std::atomic<bool> fail_wal_append{false};    // WAL appends: ENOSPC
  std::atomic<int> fail_directory_opens{0};    // the next n NewDirectory calls: EMFILE

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, result, dbg);
    if (status.ok() && name.ends_with(".log"))
      *result = std::make_unique<File>(std::move(*result), this, name);
    return status;
  }

  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override {
    if (fail_directory_opens.load() > 0) {
      fail_directory_opens.fetch_sub(1);
      return rocksdb::IOStatus::IOError("While opening directory: " + name, "Too many open files");
    }
    return target()->NewDirectory(name, options, result, dbg);
  }

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, FaultyFileSystem* fs, std::string name)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), name_(std::move(name)) {}

    rocksdb::IOStatus Allocate(uint64_t offset, uint64_t len, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_allocate.load()) return NoSpace("While fallocate");
      if (fs_->no_wal_allocate.load()) {
        return rocksdb::IOStatus::IOError("While fallocate: " + name_, "Operation not supported");
      }
      return FSWritableFileOwnerWrapper::Allocate(offset, len, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_append.load()) return NoSpace("While appending to file");
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_append.load()) return NoSpace("While appending to file");
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

   private:
    rocksdb::IOStatus NoSpace(const std::string& what) const {
      rocksdb::IOStatus status = rocksdb::IOStatus::NoSpace(what + ": " + name_, "No space left on device");
      status.SetRetryable(true);
      return status;
    }
    FaultyFileSystem* fs_;
    std::string name_;
  };
};

}  // namespace ofs::storage::rocks
