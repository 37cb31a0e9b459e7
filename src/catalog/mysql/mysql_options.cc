#include "catalog/mysql/mysql_options.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/strings.h"

namespace ofs::catalog::mysql {
namespace {

constexpr std::string_view kSchemes[] = {"mysql://", "mariadb://"};
constexpr int kMaxTimeoutMs = 3'600'000;
constexpr int kMaxTimeoutS = 3'600;

Status Bad(std::string what) {
  return Status(ErrorCode::kInvalidRequest, "invalid metadata database URL: " + std::move(what));
}

std::string PercentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : in) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
      out.push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
    }
  }
  return out;
}

bool ParseInt(std::string_view text, int max, int* out) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || v > max) return false;
  *out = v;
  return true;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// HOST[:PORT] or [IPV6][:PORT].
Status ParseHostPort(std::string_view part, MysqlOptions* o) {
  if (part.empty()) return Bad("no host: mysql://USER:PASSWORD@HOST:PORT/DATABASE");
  std::string_view host = part, port;
  bool bracketed = false;
  if (part.front() == '[') {
    const size_t close = part.find(']');
    if (close == std::string_view::npos) return Bad("host '" + std::string(part) + "' has no closing ']'");
    host = part.substr(1, close - 1);
    bracketed = true;
    const std::string_view rest = part.substr(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return Bad("host '" + std::string(part) + "': expected ':PORT'");
    if (!rest.empty()) port = rest.substr(1);
  } else if (const size_t colon = part.rfind(':'); colon != std::string_view::npos) {
    host = part.substr(0, colon);
    port = part.substr(colon + 1);
  }
  if (host.empty()) return Bad("host '" + std::string(part) + "' has no name");
  const bool valid = std::all_of(host.begin(), host.end(), [bracketed](char c) {
    return IsWordChar(c) || c == '.' || c == '-' || (bracketed && c == ':');
  });
  if (!valid) return Bad("host '" + std::string(host) + "' has characters a host name cannot have");
  o->host = std::string(host);
  if (!port.empty() && !ParseInt(port, 65535, &o->port)) {
    return Bad("port '" + std::string(port) + "' is not 1-65535");
  }
  return Status::Ok();
}

Status ReadPasswordFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Bad("password_file '" + path + "' cannot be read");
  std::ostringstream contents;
  contents << in.rdbuf();
  *out = contents.str();
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r')) out->pop_back();
  if (out->empty()) return Bad("password_file '" + path + "' is empty");
  return Status::Ok();
}

Status ReadPasswordEnv(const std::string& name, std::string* out) {
  const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return Bad("password_env: the environment variable '" + name + "' is unset or empty");
  }
  *out = value;
  return Status::Ok();
}

// Where the password came from, so that a second source is refused.
enum class PasswordSource { kNone, kInline, kFile, kEnv };

Status SetParameter(std::string_view name, const std::string& value, MysqlOptions* o,
                    PasswordSource* source) {
  const std::string shown = "parameter '" + std::string(name) + "'";
  auto number = [&](int max, int* field) -> Status {
    if (ParseInt(value, max, field)) return Status::Ok();
    return Bad(shown + ": '" + value + "' is not a number within 1-" + std::to_string(max));
  };
  if (name == "connect_timeout_ms") return number(kMaxTimeoutMs, &o->connect_timeout_ms);
  if (name == "read_timeout_ms") return number(kMaxTimeoutMs, &o->read_timeout_ms);
  if (name == "write_timeout_ms") return number(kMaxTimeoutMs, &o->write_timeout_ms);
  if (name == "lock_wait_timeout_s") return number(kMaxTimeoutS, &o->lock_wait_timeout_s);
  if (name == "migration_lock_timeout_s") return number(kMaxTimeoutS, &o->migration_lock_timeout_s);
  if (name == "password_file" || name == "password_env") {
    if (*source == PasswordSource::kInline) {
      return Bad("the password is given twice: in the URL and by " + std::string(name));
    }
    if (*source != PasswordSource::kNone) return Bad("password_file and password_env are exclusive");
    *source = name == "password_file" ? PasswordSource::kFile : PasswordSource::kEnv;
    return name == "password_file" ? ReadPasswordFile(value, &o->password)
                                   : ReadPasswordEnv(value, &o->password);
  }
  if (name == "password")
    return Bad("no password parameter: put it before the host, or use password_file=PATH");
  return Bad("unknown parameter '" + std::string(name) + "'");
}

// USER[:PASSWORD], percent-encoded. Messages never show the password, nor the user part that holds it.
Status ParseUserInfo(std::string_view userinfo, MysqlOptions* o, PasswordSource* source) {
  const size_t colon = userinfo.find(':');
  if (!PercentDecodeStrict(userinfo.substr(0, colon), &o->user))
    return Bad("the user has a malformed %-escape");
  if (o->user.empty()) return Bad("no user: mysql://USER:PASSWORD@HOST:PORT/DATABASE");
  if (colon == std::string_view::npos) return Status::Ok();
  if (!PercentDecodeStrict(userinfo.substr(colon + 1), &o->password)) {
    return Bad("the password has a malformed %-escape (write '%' as %25)");
  }
  *source = PasswordSource::kInline;
  return Status::Ok();
}

Status ParseQuery(std::string_view query, MysqlOptions* o, PasswordSource* source) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    if (eq == std::string_view::npos || eq + 1 == pair.size()) {
      return Bad("parameter '" + std::string(name) + "' has no value");
    }
    std::string value;
    if (!PercentDecodeStrict(pair.substr(eq + 1), &value)) {
      return Bad("parameter '" + std::string(name) + "' has a malformed %-escape");
    }
    OFS_RETURN_IF_ERROR(SetParameter(name, value, o, source));
  }
  return Status::Ok();
}

}  // namespace

Result<MysqlOptions> ParseMysqlUrl(std::string_view url) {
  const auto scheme = std::find_if(std::begin(kSchemes), std::end(kSchemes),
                                   [url](std::string_view s) { return url.starts_with(s); });
  if (scheme == std::end(kSchemes)) return Bad("it must start with mysql:// or mariadb://");
  const std::string_view rest = url.substr(scheme->size());
  // The authority ends at the first '/': a '?' or '@' in the password stays inside it.
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  std::string_view query;
  if (const size_t q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (path.find('@') != std::string_view::npos) {
    // A raw '/' in the user or password cut the authority short; show nothing of it.
    return Bad("a '/' in the user or password must be percent-encoded as %2F");
  }
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return Bad("no user: mysql://USER:PASSWORD@HOST:PORT/DATABASE");

  MysqlOptions o;
  PasswordSource source = PasswordSource::kNone;
  OFS_RETURN_IF_ERROR(ParseUserInfo(authority.substr(0, at), &o, &source));
  OFS_RETURN_IF_ERROR(ParseHostPort(authority.substr(at + 1), &o));
  if (path.empty()) return Bad("no database: mysql://USER:PASSWORD@HOST:PORT/DATABASE");
  o.database = std::string(path);
  OFS_RETURN_IF_ERROR(ParseQuery(query, &o, &source));
  OFS_RETURN_IF_ERROR(ValidateMysqlOptions(o));
  return o;
}

Status ValidateMysqlOptions(const MysqlOptions& o) {
  if (o.host.empty()) return Bad("no host");
  if (o.port < 1 || o.port > 65535) return Bad("port " + std::to_string(o.port) + " is not 1-65535");
  if (o.user.empty()) return Bad("no user");
  const bool database_ok = !o.database.empty() && o.database.size() <= 64 &&
                           std::all_of(o.database.begin(), o.database.end(), IsWordChar);
  if (!database_ok) return Bad("database '" + o.database + "': use 1-64 characters of [A-Za-z0-9_]");
  auto within = [](int value, int max) { return value >= 1 && value <= max; };
  if (!within(o.connect_timeout_ms, kMaxTimeoutMs) || !within(o.read_timeout_ms, kMaxTimeoutMs) ||
      !within(o.write_timeout_ms, kMaxTimeoutMs)) {
    return Bad("the connect, read and write timeouts must be within 1-" + std::to_string(kMaxTimeoutMs) +
               " ms");
  }
  if (!within(o.lock_wait_timeout_s, kMaxTimeoutS) || !within(o.migration_lock_timeout_s, kMaxTimeoutS)) {
    return Bad("the lock wait timeouts must be within 1-" + std::to_string(kMaxTimeoutS) + " s");
  }
  return Status::Ok();
}

std::string RedactedMysqlUrl(const MysqlOptions& o) {
  const MysqlOptions defaults;
  std::string out = "mysql://" + PercentEncode(o.user) + (o.password.empty() ? "" : ":***") + "@";
  out += o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  out += ":" + std::to_string(o.port) + "/" + o.database;
  char separator = '?';
  auto add = [&](std::string_view name, int value, int default_value) {
    if (value == default_value) return;
    out += separator + std::string(name) + "=" + std::to_string(value);
    separator = '&';
  };
  add("connect_timeout_ms", o.connect_timeout_ms, defaults.connect_timeout_ms);
  add("read_timeout_ms", o.read_timeout_ms, defaults.read_timeout_ms);
  add("write_timeout_ms", o.write_timeout_ms, defaults.write_timeout_ms);
  add("lock_wait_timeout_s", o.lock_wait_timeout_s, defaults.lock_wait_timeout_s);
  add("migration_lock_timeout_s", o.migration_lock_timeout_s, defaults.migration_lock_timeout_s);
  return out;
}

}  // namespace ofs::catalog::mysql
