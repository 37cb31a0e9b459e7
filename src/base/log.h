#pragma once
// One logging style for OFS: per-module spdlog loggers whose lines carry file:line.
//   OFS_LOG_INFO("http", "listening on {}", port);
// Hot paths use OFS_LOG_EVERY_N_SEC to rate-limit.

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string_view>

namespace ofs::log {

// The logger of a module, created on first use with the process-wide sink and level.
std::shared_ptr<spdlog::logger> Get(std::string_view module);
// Sets the level of every module logger ("trace".."off"); false when the name is unknown.
bool SetLevel(std::string_view level);

// True at most once per `seconds` for the call site owning `last` (rate limiting on hot paths).
inline bool Every(std::atomic<int64_t>& last, int seconds) {
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  int64_t prev = last.load(std::memory_order_relaxed);
  return now - prev >= seconds && last.compare_exchange_strong(prev, now, std::memory_order_relaxed);
}

}  // namespace ofs::log

#define OFS_LOG_DEBUG(module, ...) SPDLOG_LOGGER_DEBUG(::ofs::log::Get(module), __VA_ARGS__)
#define OFS_LOG_INFO(module, ...) SPDLOG_LOGGER_INFO(::ofs::log::Get(module), __VA_ARGS__)
#define OFS_LOG_WARN(module, ...) SPDLOG_LOGGER_WARN(::ofs::log::Get(module), __VA_ARGS__)
#define OFS_LOG_ERROR(module, ...) SPDLOG_LOGGER_ERROR(::ofs::log::Get(module), __VA_ARGS__)
#define OFS_LOG_EVERY_N_SEC(seconds, level_macro, module, ...)                       \
  do {                                                                               \
    static std::atomic<int64_t> ofs_log_last_{0};                                    \
    if (::ofs::log::Every(ofs_log_last_, seconds)) level_macro(module, __VA_ARGS__); \
  } while (0)
