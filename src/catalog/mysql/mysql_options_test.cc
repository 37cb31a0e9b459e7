#include "catalog/mysql/mysql_options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "catalog/mysql/connection.h"

namespace ofs::catalog::mysql {
namespace {

constexpr const char kSecret[] = "s3cr3t-Pa55";

// A file in the temp directory with `contents`, removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& contents)
      : path_((std::filesystem::temp_directory_path() / ("ofs-mysql-pw-" + std::to_string(getpid())))
                  .string()) {
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The parse error's message, which must never show the secret.
std::string ErrorOf(const std::string& url) {
  auto o = ParseMysqlUrl(url);
  EXPECT_FALSE(o.ok()) << url;
  if (o.ok()) return {};
  EXPECT_EQ(o.status().code(), ErrorCode::kInvalidRequest) << url;
  const std::string shown = o.status().ToString();
  EXPECT_EQ(shown.find(kSecret), std::string::npos) << shown;
  EXPECT_EQ(shown.find("s3cr"), std::string::npos) << shown;
  return std::string(o.status().message());
}

TEST(MysqlUrl, Minimal) {
  auto o = ParseMysqlUrl("mysql://ofs@db1/features");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "db1");
  EXPECT_EQ(o->port, 3306);
  EXPECT_EQ(o->user, "ofs");
  EXPECT_EQ(o->password, "");
  EXPECT_EQ(o->database, "features");
  const MysqlOptions defaults;
  EXPECT_EQ(o->connect_timeout_ms, defaults.connect_timeout_ms);
  EXPECT_EQ(o->read_timeout_ms, defaults.read_timeout_ms);
  EXPECT_EQ(o->write_timeout_ms, defaults.write_timeout_ms);
  EXPECT_EQ(o->lock_wait_timeout_s, defaults.lock_wait_timeout_s);
  EXPECT_EQ(o->migration_lock_timeout_s, defaults.migration_lock_timeout_s);
  EXPECT_EQ(RedactedMysqlUrl(*o), "mysql://ofs@db1:3306/features");
}

TEST(MysqlUrl, EveryPart) {
  auto o = ParseMysqlUrl(std::string("mariadb://ofs%20admin:") + kSecret +
                         "%2F%40%25@10.0.0.7:13306/Ofs_2?connect_timeout_ms=1500&read_timeout_ms=2500"
                         "&write_timeout_ms=3500&lock_wait_timeout_s=7&migration_lock_timeout_s=90");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "10.0.0.7");
  EXPECT_EQ(o->port, 13306);
  EXPECT_EQ(o->user, "ofs admin");
  EXPECT_EQ(o->password, std::string(kSecret) + "/@%");
  EXPECT_EQ(o->database, "Ofs_2");
  EXPECT_EQ(o->connect_timeout_ms, 1500);
  EXPECT_EQ(o->read_timeout_ms, 2500);
  EXPECT_EQ(o->write_timeout_ms, 3500);
  EXPECT_EQ(o->lock_wait_timeout_s, 7);
  EXPECT_EQ(o->migration_lock_timeout_s, 90);
  const std::string redacted = RedactedMysqlUrl(*o);
  EXPECT_EQ(redacted,
            "mysql://ofs%20admin:***@10.0.0.7:13306/Ofs_2?connect_timeout_ms=1500&read_timeout_ms=2500"
            "&write_timeout_ms=3500&lock_wait_timeout_s=7&migration_lock_timeout_s=90");
  EXPECT_EQ(redacted.find(kSecret), std::string::npos);
}

TEST(MysqlUrl, RawSpecialCharactersInThePassword) {
  // '@', ':', '?' and '#' need no escape inside the user info; the last '@' before the host ends it.
  auto o = ParseMysqlUrl("mysql://u:p@s:s?w#d@[::1]/db");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->user, "u");
  EXPECT_EQ(o->password, "p@s:s?w#d");
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 3306);
  EXPECT_EQ(RedactedMysqlUrl(*o), "mysql://u:***@[::1]:3306/db");
}

TEST(MysqlUrl, Ipv6WithPort) {
  auto o = ParseMysqlUrl("mysql://u@[fe80::1]:3307/db");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "fe80::1");
  EXPECT_EQ(o->port, 3307);
}

TEST(MysqlUrl, PasswordFromAFile) {
  TempFile file(std::string(kSecret) + "\r\n");
  auto o = ParseMysqlUrl("mysql://ofs@db/ofs?password_file=" + file.path());
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->password, kSecret);
  EXPECT_EQ(RedactedMysqlUrl(*o), "mysql://ofs:***@db:3306/ofs");
}

TEST(MysqlUrl, PasswordFromTheEnvironment) {
  ::setenv("OFS_MYSQL_OPTIONS_TEST_PW", kSecret, 1);
  auto o = ParseMysqlUrl("mysql://ofs@db/ofs?password_env=OFS_MYSQL_OPTIONS_TEST_PW");
  ::unsetenv("OFS_MYSQL_OPTIONS_TEST_PW");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->password, kSecret);
  EXPECT_NE(ErrorOf("mysql://ofs@db/ofs?password_env=OFS_MYSQL_OPTIONS_TEST_PW").find("unset or empty"),
            std::string::npos);
}

TEST(MysqlUrl, OnePasswordSourceAtMost) {
  TempFile file(kSecret);
  ::setenv("OFS_MYSQL_OPTIONS_TEST_PW", kSecret, 1);
  EXPECT_NE(
      ErrorOf(std::string("mysql://ofs:") + kSecret + "@db/ofs?password_file=" + file.path()).find("twice"),
      std::string::npos);
  EXPECT_NE(ErrorOf(std::string("mysql://ofs:") + kSecret + "@db/ofs?password_env=OFS_MYSQL_OPTIONS_TEST_PW")
                .find("twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf("mysql://ofs@db/ofs?password_env=OFS_MYSQL_OPTIONS_TEST_PW&password_file=" + file.path())
                .find("exclusive"),
            std::string::npos);
  ::unsetenv("OFS_MYSQL_OPTIONS_TEST_PW");
}

TEST(MysqlUrl, PasswordFileProblemsNameTheFileNotItsContents) {
  EXPECT_NE(ErrorOf("mysql://ofs@db/ofs?password_file=/nonexistent/ofs-pw")
                .find("'/nonexistent/ofs-pw' cannot be read"),
            std::string::npos);
  TempFile empty("\n");
  EXPECT_NE(ErrorOf("mysql://ofs@db/ofs?password_file=" + empty.path()).find("is empty"), std::string::npos);
}

TEST(MysqlUrl, ErrorsNameThePartAndNeverThePassword) {
  const std::string creds = std::string("ofs:") + kSecret + "@";
  EXPECT_NE(ErrorOf("postgres://" + creds + "db/ofs").find("mysql:// or mariadb://"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://db/ofs").find("no user"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string("mysql://:") + kSecret + "@db/ofs").find("no user"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "/ofs").find("no host"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db").find("no database"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db/").find("no database"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db:0/ofs").find("port '0'"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db:65536/ofs").find("port '65536'"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db:x/ofs").find("port 'x'"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "d b/ofs").find("host 'd b'"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "[::1/ofs").find("no closing ']'"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db/of-s").find("database 'of-s'"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db/" + std::string(65, 'a')).find("1-64 characters"),
            std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db/ofs?read_timeout_ms=0").find("'read_timeout_ms'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db/ofs?lock_wait_timeout_s=abc").find("'abc' is not a number"),
            std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db/ofs?connect_timeout_ms").find("has no value"),
            std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db/ofs?tls=1").find("unknown parameter 'tls'"), std::string::npos);
  EXPECT_NE(ErrorOf("mysql://" + creds + "db/ofs?password=x").find("no password parameter"),
            std::string::npos);
  // A malformed escape or a raw '/' in the password: the message says so without showing any of it.
  EXPECT_NE(ErrorOf(std::string("mysql://ofs:") + kSecret + "%zz@db/ofs").find("password has a malformed"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string("mysql://ofs:s3cr/") + kSecret + "@db/ofs").find("%2F"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string("mysql://ofs:s3cr/") + kSecret + "@db/ofs?x=1").find("%2F"),
            std::string::npos);
}

TEST(MysqlOptions, ValidateCatchesOptionsBuiltInCode) {
  MysqlOptions o;
  o.user = "ofs";
  o.database = "ofs";
  EXPECT_TRUE(ValidateMysqlOptions(o).ok());
  o.database = "a;DROP";
  EXPECT_EQ(ValidateMysqlOptions(o).code(), ErrorCode::kInvalidRequest);
  o.database = "ofs";
  o.lock_wait_timeout_s = 0;
  EXPECT_EQ(ValidateMysqlOptions(o).code(), ErrorCode::kInvalidRequest);
  o.lock_wait_timeout_s = 5;
  o.port = 0;
  EXPECT_EQ(ValidateMysqlOptions(o).code(), ErrorCode::kInvalidRequest);
}

TEST(MysqlOptions, OpenRefusesInvalidOptionsBeforeConnecting) {
  MysqlOptions o;
  o.user = "ofs";
  o.password = kSecret;
  o.database = "no-dashes";
  auto conn = Connection::Open(o);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(conn.status().ToString().find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace ofs::catalog::mysql
