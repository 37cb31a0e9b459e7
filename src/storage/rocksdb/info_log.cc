#include "storage/rocksdb/info_log.h"

#include <cstdarg>
#include <cstdio>
#include <string>

#include "base/log.h"

namespace ofs::storage::rocks {
namespace {

spdlog::level::level_enum LevelOf(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::WARN_LEVEL:
      return spdlog::level::warn;
    case rocksdb::InfoLogLevel::ERROR_LEVEL:
    case rocksdb::InfoLogLevel::FATAL_LEVEL:
      return spdlog::level::err;
    default:
      return spdlog::level::debug;
  }
}

class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(std::shared_ptr<spdlog::logger> logger)
      : rocksdb::Logger(logger->should_log(spdlog::level::debug) ? rocksdb::InfoLogLevel::DEBUG_LEVEL
                                                                 : rocksdb::InfoLogLevel::WARN_LEVEL),
        logger_(std::move(logger)) {}

  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    const spdlog::level::level_enum to = LevelOf(level);
    if (!logger_->should_log(to)) return;
    char buffer[1024];
    va_list copy;
    va_copy(copy, ap);
    const int size = std::vsnprintf(buffer, sizeof(buffer), format, copy);
    va_end(copy);
    if (size < 0) return;
    if (static_cast<size_t>(size) < sizeof(buffer)) {
      logger_->log(Where(), to, "{}", std::string_view(buffer, static_cast<size_t>(size)));
      return;
    }
    std::string line(static_cast<size_t>(size) + 1, '\0');
    std::vsnprintf(line.data(), line.size(), format, ap);
    line.pop_back();
    logger_->log(Where(), to, "{}", line);
  }

  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void LogHeader(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::HEADER_LEVEL, format, ap);
  }

 private:
  // RocksDB's lines name their own source file; OFS's log pattern shows this one's.
  static spdlog::source_loc Where() { return spdlog::source_loc{__FILE__, __LINE__, SPDLOG_FUNCTION}; }

  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLog() { return std::make_shared<InfoLog>(log::Get("rocksdb")); }

}  // namespace ofs::storage::rocks
