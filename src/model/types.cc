#include "model/types.h"

#include "base/strings.h"

namespace ofs::model {

std::string_view StateName(State s) { return s == State::kLive ? "LIVE" : "ARCHIVED"; }

std::optional<State> ParseState(std::string_view s) {
  if (EqualsIgnoreCase(s, "LIVE")) return State::kLive;
  if (EqualsIgnoreCase(s, "ARCHIVED")) return State::kArchived;
  return std::nullopt;
}

std::string_view FeatureGroupTypeName(FeatureGroupType t) {
  return t == FeatureGroupType::kOnline ? "ONLINE" : "OFFLINE";
}

std::optional<FeatureGroupType> ParseFeatureGroupType(std::string_view s) {
  if (EqualsIgnoreCase(s, "ONLINE")) return FeatureGroupType::kOnline;
  if (EqualsIgnoreCase(s, "OFFLINE")) return FeatureGroupType::kOffline;
  return std::nullopt;
}

std::string VersionName(int64_t n) { return "v" + std::to_string(n); }

std::optional<int64_t> ParseVersion(std::string_view version) {
  if (version.size() < 2 || AsciiLower(version[0]) != 'v') return std::nullopt;
  int64_t n = 0;
  if (!ParseInt64(version.substr(1), &n) || n < 1 || version[1] == '+' || version[1] == '-')
    return std::nullopt;
  return n;
}

std::string PhysicalColumnName(std::string_view group, std::string_view version, bool version_enabled,
                               std::string_view column) {
  std::string out;
  out.reserve(group.size() + version.size() + column.size() + 4);
  out.append(group).append("__");
  if (version_enabled) out.append(version).append("__");
  out.append(column);
  return out;
}

}  // namespace ofs::model
