#include "storage/cassandra/cassandra_options.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "storage/cassandra/cql_schema.h"

namespace ofs::storage::cassandra {
namespace {

TEST(CassandraUrl, DefaultsFromAHostAlone) {
  auto o = ParseCassandraUrl("cassandra://db1");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->contact_points, std::vector<std::string>{"db1:9042"});
  EXPECT_EQ(o->keyspace, "ofs");
  EXPECT_EQ(o->read_consistency, Consistency::kLocalOne);
  EXPECT_EQ(o->write_consistency, Consistency::kLocalQuorum);
  EXPECT_EQ(o->replication_factor, 1);
  EXPECT_EQ(o->request_timeout_ms, 1000u);
  EXPECT_FALSE(o->tls);
  EXPECT_EQ(o->Describe(), "cassandra://db1:9042/ofs");
}

TEST(CassandraUrl, EveryParameter) {
  const std::string password_file = (std::filesystem::temp_directory_path() / "ofs-cql-pw-test").string();
  {
    std::ofstream out(password_file);
    out << "s3cret\nsecond line ignored\n";
  }
  auto o = ParseCassandraUrl(
      "cassandra://10.0.0.1:9142,[::1]:19042,db-2.example/Features?dc=eu%2Dwest"
      "&read_consistency=quorum&write_consistency=EACH_QUORUM&replication_factor=3"
      "&connect_timeout_ms=2500&request_timeout_ms=250&user=ofs&password_file=" +
      password_file + "&tls=1&tls_ca=/etc/ca.pem&tls_verify=0&speculative_retries=2&speculative_delay_ms=20");
  std::remove(password_file.c_str());
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->contact_points,
            (std::vector<std::string>{"10.0.0.1:9142", "[::1]:19042", "db-2.example:9042"}));
  EXPECT_EQ(o->keyspace, "features");
  EXPECT_EQ(o->local_dc, "eu-west");
  EXPECT_EQ(o->read_consistency, Consistency::kQuorum);
  EXPECT_EQ(o->write_consistency, Consistency::kEachQuorum);
  EXPECT_EQ(o->replication_factor, 3);
  EXPECT_EQ(o->connect_timeout_ms, 2500u);
  EXPECT_EQ(o->request_timeout_ms, 250u);
  EXPECT_EQ(o->username, "ofs");
  EXPECT_EQ(o->password, "s3cret");
  EXPECT_TRUE(o->tls);
  EXPECT_EQ(o->tls_ca_file, "/etc/ca.pem");
  EXPECT_FALSE(o->tls_verify);
  EXPECT_EQ(o->speculative_retries, 2u);
  EXPECT_EQ(o->speculative_delay_ms, 20u);
  const std::string described = o->Describe();
  EXPECT_EQ(described.find("s3cret"), std::string::npos);
  EXPECT_EQ(described,
            "cassandra://10.0.0.1:9142,[::1]:19042,db-2.example:9042/features?dc=eu-west&user=ofs&tls=1");
}

TEST(CassandraUrl, ErrorsNameTheBadPart) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://h:9042/ks", "cassandra://"},
      {"cassandra:///ks", "no host"},
      {"cassandra://h:port/ks", "port 'port'"},
      {"cassandra://h:0/ks", "port '0'"},
      {"cassandra://h:70000/ks", "port '70000'"},
      {"cassandra://h1,,h2/ks", "empty host"},
      {"cassandra://h1,/ks", "empty host"},
      {"cassandra://[::1/ks", "closing ']'"},
      {"cassandra://h o/ks", "host 'h o'"},
      {"cassandra://h/key-space", "keyspace 'key-space'"},
      {"cassandra://h/ks?read_consistency=SOMETIMES", "'read_consistency'"},
      {"cassandra://h/ks?replication_factor=0", "'replication_factor'"},
      {"cassandra://h/ks?request_timeout_ms=-5", "'request_timeout_ms'"},
      {"cassandra://h/ks?tls=yes", "'tls'"},
      {"cassandra://h/ks?colour=blue", "unknown parameter 'colour'"},
      {"cassandra://h/ks?dc", "'dc' has no value"},
      {"cassandra://h/ks?dc=%zz", "'dc' has a malformed %-escape"},
      {"cassandra://h/ks?dc=%4", "'dc' has a malformed %-escape"},
      {"cassandra://h/ks?user=u&password_file=/nonexistent/pw", "password_file '/nonexistent/pw'"},
      {"cassandra://h/ks?password=hunter2", "password_file=PATH"},
      {"cassandra://user:hunter2@h/ks", "credentials"},
  };
  for (const auto& [url, expected] : cases) {
    auto o = ParseCassandraUrl(url);
    ASSERT_FALSE(o.ok()) << url;
    EXPECT_EQ(o.status().code(), ErrorCode::kInvalidRequest) << url;
    EXPECT_NE(o.status().message().find(expected), std::string_view::npos)
        << url << " -> " << o.status().ToString();
    EXPECT_EQ(o.status().ToString().find("hunter2"), std::string::npos) << url;
  }
}

TEST(CassandraUrl, ConnectionKeySharesSessionsAcrossKeyspaces) {
  auto a = ParseCassandraUrl("cassandra://h2,h1/one?read_consistency=ONE");
  auto b = ParseCassandraUrl("cassandra://h1,h2/two");
  auto c = ParseCassandraUrl("cassandra://h1,h2/two?dc=x");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->ConnectionKey(), b->ConnectionKey());
  EXPECT_NE(b->ConnectionKey(), c->ConnectionKey());
}

TEST(CassandraUrl, ConsistencyNames) {
  for (Consistency c :
       {Consistency::kAny, Consistency::kOne, Consistency::kTwo, Consistency::kThree, Consistency::kQuorum,
        Consistency::kAll, Consistency::kLocalQuorum, Consistency::kEachQuorum, Consistency::kLocalOne}) {
    EXPECT_EQ(ParseConsistency(ConsistencyName(c)), c);
  }
  EXPECT_EQ(ParseConsistency("local_quorum"), Consistency::kLocalQuorum);
  EXPECT_EQ(ParseConsistency("SERIAL"), std::nullopt);
}

// ---- cql_schema.h

TEST(CqlSchema, NamesAreLowerCasedAndAlwaysQuoted) {
  EXPECT_EQ(QuoteName("user_id"), "\"user_id\"");
  EXPECT_EQ(QuoteName("userId"), "\"userid\"");  // what Darwin's unquoted DDL created
  EXPECT_EQ(QuoteName("order"), "\"order\"");
  EXPECT_EQ(QuoteName("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(CqlName("Grp__V1__Col"), "grp__v1__col");
}

TEST(CqlSchema, TenantKeyspaces) {
  EXPECT_EQ(TenantKeyspace("ofs", "default-tenant"), "ofs");
  EXPECT_EQ(TenantKeyspace("ofs", "acme"), "ofs_acme");
  EXPECT_EQ(TenantKeyspace("ofs", "team_7"), "ofs_team_7");
  const std::string dashed = TenantKeyspace("ofs", "a-b");
  const std::string upper = TenantKeyspace("ofs", "A_b");
  EXPECT_EQ(dashed.rfind("ofs_a_b_", 0), 0u) << dashed;
  EXPECT_NE(dashed, upper);
  EXPECT_NE(dashed, TenantKeyspace("ofs", "a_b"));
  EXPECT_EQ(TenantKeyspace("ofs", "a-b"), dashed);  // stable
  const std::string long_name = TenantKeyspace("ofs", std::string(100, 'x'));
  EXPECT_EQ(long_name.size(), 48u);
  EXPECT_NE(long_name, TenantKeyspace("ofs", std::string(101, 'x')));
  for (const std::string& ks : {dashed, upper, long_name, TenantKeyspace("ofs", "")}) {
    for (char c : ks) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << ks;
  }
}

TEST(CqlSchema, StatementText) {
  model::TableSpec table{
      7,
      "Users",
      {{1, "user_id", model::DataType::kBigint}, {2, "day", model::DataType::kText}},
      {{3, "order", model::DataType::kVarchar}, {4, "g__v1__x", model::DataType::kDecimal}},
      30};
  EXPECT_EQ(CreateTableCql("ofs", table),
            "CREATE TABLE IF NOT EXISTS \"ofs\".\"users\" (\"user_id\" bigint, \"day\" text, \"order\" text, "
            "\"g__v1__x\" decimal, PRIMARY KEY (\"user_id\", \"day\")) WITH default_time_to_live = 30");
  table.ttl_seconds = 0;
  EXPECT_EQ(CreateTableCql("ofs", table).find("default_time_to_live"), std::string::npos);
  const std::vector<const model::ColumnSpec*> added = {&table.value_columns[1]};
  EXPECT_EQ(AddColumnsCql("ofs", "users", added), "ALTER TABLE \"ofs\".\"users\" ADD (\"g__v1__x\" decimal)");
  EXPECT_EQ(SetTtlCql("ofs", "users", 0), "ALTER TABLE \"ofs\".\"users\" WITH default_time_to_live = 0");
  const std::vector<std::string_view> columns = {"user_id", "day", "order"};
  EXPECT_EQ(InsertCql("ofs", "users", columns),
            "INSERT INTO \"ofs\".\"users\" (\"user_id\", \"day\", \"order\") VALUES (?, ?, ?) USING TTL ?");
  const std::vector<std::string_view> where = {"user_id", "day"};
  EXPECT_EQ(SelectCql("ofs", "users", std::span(columns).subspan(2), where),
            "SELECT \"order\" FROM \"ofs\".\"users\" WHERE \"user_id\" = ? AND \"day\" = ?");
  EXPECT_EQ(ColumnsQueryCql("OFS", "Users"),
            "SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = 'ofs' "
            "AND table_name = 'users'");
}

TEST(CqlSchema, TypeNames) {
  EXPECT_EQ(CqlTypeName(model::DataType::kVarchar), "text");
  EXPECT_TRUE(CqlTypeMatches(model::DataType::kVarchar, "text"));
  EXPECT_TRUE(CqlTypeMatches(model::DataType::kText, "varchar"));
  EXPECT_FALSE(CqlTypeMatches(model::DataType::kAscii, "text"));
  EXPECT_TRUE(CqlTypeMatches(model::DataType::kTimeuuid, "timeuuid"));
  EXPECT_FALSE(CqlTypeMatches(model::DataType::kInt, "bigint"));
}

}  // namespace
}  // namespace ofs::storage::cassandra
