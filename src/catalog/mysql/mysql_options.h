#pragma once
// Options of the MySQL/MariaDB metadata store (connection.h) and the parser of its URL:
//
//   mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE?connect_timeout_ms=3000&read_timeout_ms=5000
//       &write_timeout_ms=5000&lock_wait_timeout_s=5&migration_lock_timeout_s=60
//       &password_file=PATH&password_env=VAR
//
// `mariadb://` is accepted too. The port defaults to 3306; IPv6 hosts are bracketed (`[::1]:3306`). USER
// and PASSWORD are percent-decoded (a '/' in them must be written %2F, a '%' %25); so are parameter
// values. The password is given inline, or read from `password_file` (the file's contents without the
// trailing newline) or `password_env` (an environment variable) when the URL is parsed: one of the three
// at most. It never appears in an error, a log line or RedactedMysqlUrl(). Errors (INVALID-REQUEST) name
// the part of the URL that is wrong.

#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::catalog::mysql {

struct MysqlOptions {
  std::string host = "127.0.0.1";  // a name or an address, IPv6 without brackets
  int port = 3306;
  std::string user;
  std::string password;  // never logged
  std::string database;  // [A-Za-z0-9_]{1,64}
  // Socket timeouts (libmariadb's, in whole seconds rounded up). A statement may legitimately wait for
  // a row lock before the server answers, so the read timeout the client applies is read_timeout_ms plus
  // lock_wait_timeout_s: a lock wait ends with the server's error, never with a dropped connection.
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 5000;
  int write_timeout_ms = 5000;
  // innodb_lock_wait_timeout of the session: how long a write transaction waits for another writer.
  int lock_wait_timeout_s = 5;
  // How long Begin(kMigration) waits for another process's migration to finish.
  int migration_lock_timeout_s = 60;
};

// Parses a metadata URL (above). INVALID-REQUEST naming the offending part.
Result<MysqlOptions> ParseMysqlUrl(std::string_view url);

// INVALID-REQUEST unless every field is within its bounds (ParseMysqlUrl checks this; Connection::Open
// does too, for options built in code).
Status ValidateMysqlOptions(const MysqlOptions& options);

// "mysql://USER:***@HOST:PORT/DATABASE" (settings that differ from the defaults as parameters), for logs
// and messages: the password is never shown.
std::string RedactedMysqlUrl(const MysqlOptions& options);

}  // namespace ofs::catalog::mysql
