#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>
#include <string>

namespace ofs::log {
namespace {

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}

spdlog::level::level_enum& CurrentLevel() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

}  // namespace

std::shared_ptr<spdlog::logger> Get(std::string_view module) {
  std::string name(module);
  if (auto logger = spdlog::get(name)) return logger;
  std::lock_guard lock(RegistryMutex());
  if (auto logger = spdlog::get(name)) return logger;
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ [%n] %v (%s:%#)");
  logger->set_level(CurrentLevel());
  return logger;
}

bool SetLevel(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") return false;
  std::lock_guard lock(RegistryMutex());
  CurrentLevel() = parsed;
  spdlog::apply_all([parsed](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
  return true;
}

}  // namespace ofs::log
