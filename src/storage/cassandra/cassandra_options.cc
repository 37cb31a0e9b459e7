#include "storage/cassandra/cassandra_options.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>

#include "base/strings.h"

namespace ofs::storage::cassandra {
namespace {

constexpr std::string_view kScheme = "cassandra://";
constexpr std::array<std::pair<Consistency, std::string_view>, 9> kConsistencies = {{
    {Consistency::kAny, "ANY"},
    {Consistency::kOne, "ONE"},
    {Consistency::kTwo, "TWO"},
    {Consistency::kThree, "THREE"},
    {Consistency::kQuorum, "QUORUM"},
    {Consistency::kAll, "ALL"},
    {Consistency::kLocalQuorum, "LOCAL_QUORUM"},
    {Consistency::kEachQuorum, "EACH_QUORUM"},
    {Consistency::kLocalOne, "LOCAL_ONE"},
}};

Status Bad(std::string what) {
  return Status(ErrorCode::kInvalidRequest, "invalid cassandra store URL: " + std::move(what));
}

bool ParseUnsigned(std::string_view text, uint64_t max, uint64_t* out) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  *out = v;
  return true;
}

Status ParseHost(std::string_view part, std::string* out) {
  if (part.empty()) return Bad("an empty host in the host list");
  std::string_view host = part, port;
  if (part.front() == '[') {
    const size_t close = part.find(']');
    if (close == std::string_view::npos) return Bad("host '" + std::string(part) + "' has no closing ']'");
    host = part.substr(0, close + 1);
    const std::string_view rest = part.substr(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return Bad("host '" + std::string(part) + "': expected ':PORT'");
    if (!rest.empty()) port = rest.substr(1);
  } else if (const size_t colon = part.rfind(':'); colon != std::string_view::npos) {
    host = part.substr(0, colon);
    port = part.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return Bad("host '" + std::string(part) + "' has no name");
  const bool valid = std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
  });
  if (!valid) return Bad("host '" + std::string(host) + "' has characters a host name cannot have");
  uint64_t number = 9042;
  if (!port.empty() && (!ParseUnsigned(port, 65535, &number) || number == 0)) {
    return Bad("port '" + std::string(port) + "' of host '" + std::string(host) + "' is not 1-65535");
  }
  *out = std::string(host) + ":" + std::to_string(number);
  return Status::Ok();
}

Status ParseKeyspace(std::string_view path, std::string* out) {
  if (path.empty()) return Status::Ok();  // the default
  const bool valid =
      path.size() <= 48 && std::all_of(path.begin(), path.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!valid) return Bad("keyspace '" + std::string(path) + "': use 1-48 characters of [A-Za-z0-9_]");
  *out = ToLowerAscii(path);
  return Status::Ok();
}

Status ReadPasswordFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return Bad("password_file '" + path + "' cannot be read");
  std::getline(in, *out);
  if (!out->empty() && out->back() == '\r') out->pop_back();
  return Status::Ok();
}

Status SetParameter(std::string_view name, const std::string& value, CassandraClusterOptions* o) {
  const std::string shown = "parameter '" + std::string(name) + "'";
  auto number = [&](uint64_t max, auto* field) -> Status {
    uint64_t v = 0;
    if (!ParseUnsigned(value, max, &v)) {
      return Bad(shown + ": '" + value + "' is not a number within 0-" + std::to_string(max));
    }
    *field = static_cast<std::remove_pointer_t<decltype(field)>>(v);
    return Status::Ok();
  };
  auto flag = [&](bool* field) -> Status {
    if (value == "1" || EqualsIgnoreCase(value, "true")) {
      *field = true;
    } else if (value == "0" || EqualsIgnoreCase(value, "false")) {
      *field = false;
    } else {
      return Bad(shown + ": '" + value + "' is not 0, 1, true or false");
    }
    return Status::Ok();
  };
  auto consistency = [&](Consistency* field) -> Status {
    const auto c = ParseConsistency(value);
    if (!c) return Bad(shown + ": '" + value + "' is not a consistency level (LOCAL_ONE, LOCAL_QUORUM, ...)");
    *field = *c;
    return Status::Ok();
  };
  if (name == "dc") {
    o->local_dc = value;
    return Status::Ok();
  }
  if (name == "read_consistency") return consistency(&o->read_consistency);
  if (name == "write_consistency") return consistency(&o->write_consistency);
  if (name == "replication_factor") {
    OFS_RETURN_IF_ERROR(number(100, &o->replication_factor));
    return o->replication_factor > 0 ? Status::Ok() : Bad(shown + ": must be at least 1");
  }
  if (name == "connect_timeout_ms") {
    OFS_RETURN_IF_ERROR(number(600'000, &o->connect_timeout_ms));
    return o->connect_timeout_ms > 0 ? Status::Ok() : Bad(shown + ": must be at least 1");
  }
  if (name == "request_timeout_ms") {
    OFS_RETURN_IF_ERROR(number(600'000, &o->request_timeout_ms));
    return o->request_timeout_ms > 0 ? Status::Ok() : Bad(shown + ": must be at least 1");
  }
  if (name == "user") {
    o->username = value;
    return Status::Ok();
  }
  if (name == "password_file") return ReadPasswordFile(value, &o->password);
  if (name == "tls") return flag(&o->tls);
  if (name == "tls_ca") {
    o->tls_ca_file = value;
    return Status::Ok();
  }
  if (name == "tls_verify") return flag(&o->tls_verify);
  if (name == "speculative_retries") return number(10, &o->speculative_retries);
  if (name == "speculative_delay_ms") return number(60'000, &o->speculative_delay_ms);
  if (name == "password") return Bad("a password is never put in the URL: use password_file=PATH");
  return Bad("unknown parameter '" + std::string(name) + "'");
}

}  // namespace

std::string_view ConsistencyName(Consistency c) {
  for (const auto& [value, name] : kConsistencies) {
    if (value == c) return name;
  }
  return "?";
}

std::optional<Consistency> ParseConsistency(std::string_view name) {
  for (const auto& [value, text] : kConsistencies) {
    if (EqualsIgnoreCase(text, name)) return value;
  }
  return std::nullopt;
}

Result<CassandraClusterOptions> ParseCassandraUrl(std::string_view url) {
  if (url.substr(0, kScheme.size()) != kScheme) return Bad("it must start with " + std::string(kScheme));
  std::string_view rest = url.substr(kScheme.size());
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view hosts = rest, path;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hosts = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }
  if (hosts.empty()) return Bad("no host: cassandra://HOST:PORT[,HOST:PORT...]/KEYSPACE");
  if (hosts.find('@') != std::string_view::npos) {
    return Bad("credentials do not go before the host: use user=...&password_file=...");
  }
  CassandraClusterOptions o;
  while (!hosts.empty()) {
    const size_t comma = hosts.find(',');
    std::string point;
    OFS_RETURN_IF_ERROR(ParseHost(hosts.substr(0, comma), &point));
    o.contact_points.push_back(std::move(point));
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
    if (hosts.empty()) return Bad("an empty host in the host list");
  }
  OFS_RETURN_IF_ERROR(ParseKeyspace(path, &o.keyspace));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    std::string value;
    if (eq == std::string_view::npos) return Bad("parameter '" + std::string(name) + "' has no value");
    if (!PercentDecodeStrict(pair.substr(eq + 1), &value)) {
      return Bad("parameter '" + std::string(name) + "' has a malformed %-escape");
    }
    OFS_RETURN_IF_ERROR(SetParameter(name, value, &o));
  }
  if (!o.password.empty() && o.username.empty()) return Bad("password_file without user");
  return o;
}

std::string CassandraClusterOptions::Describe() const {
  std::string out(kScheme);
  for (size_t i = 0; i < contact_points.size(); ++i) out += (i > 0 ? "," : "") + contact_points[i];
  out += "/" + keyspace;
  std::string params;
  auto add = [&params](std::string_view name, std::string_view value) {
    params += (params.empty() ? "?" : "&") + std::string(name) + "=" + std::string(value);
  };
  if (!local_dc.empty()) add("dc", local_dc);
  if (!username.empty()) add("user", username);
  if (tls) add("tls", "1");
  return out + params;
}

std::string CassandraClusterOptions::ConnectionKey() const {
  std::vector<std::string> points = contact_points;
  std::sort(points.begin(), points.end());
  std::string key;
  for (const std::string& p : points) key += p + ",";
  key += "\n" + local_dc + "\n" + username + "\n" + password + "\n" + (tls ? "tls" : "plain") + "\n" +
         tls_ca_file + "\n" + (tls_verify ? "verify" : "noverify") + "\n" +
         std::to_string(connect_timeout_ms) + "\n" + std::to_string(request_timeout_ms) + "\n" +
         std::to_string(speculative_retries) + "\n" + std::to_string(speculative_delay_ms);
  return key;
}

}  // namespace ofs::storage::cassandra
