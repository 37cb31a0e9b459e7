#include "config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <vector>

#include "base/fallback.h"
#include "store_selection.h"

namespace ofs::app {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"OFS_PORT", "OFS_DATA_DIR", "OFS_SYNC_WRITES"}) unsetenv(name);
    std::filesystem::remove(path_);
  }

  Result<Config> Resolve(std::vector<std::string> args) {
    CLI::App app{"test"};
    Config flags;
    AddFlags(&app, &flags);
    std::vector<const char*> argv{"ofs"};
    for (const auto& a : args) argv.push_back(a.c_str());
    app.parse(static_cast<int>(argv.size()), argv.data());
    return ResolveConfig(app, flags);
  }

  std::string WriteToml(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }

  std::string path_ =
      (std::filesystem::temp_directory_path() / ("ofs-config-" + std::to_string(getpid()) + ".toml"))
          .string();
};

TEST_F(ConfigTest, DefaultsWithoutAnything) {
  auto config = Resolve({});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->admin_port, 8081);
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_TRUE(config->sync_writes);
  EXPECT_TRUE(config->tokens.empty());
}

TEST_F(ConfigTest, PrecedenceFileThenEnvironmentThenFlags) {
  std::string file = WriteToml("data_dir = \"/from/file\"\n[http]\nport = 9000\nadmin_port = 9001\n");
  setenv("OFS_PORT", "9100", 1);
  auto config = Resolve({"--config", file});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->data_dir, "/from/file");
  EXPECT_EQ(config->port, 9100);  // environment beats the file
  EXPECT_EQ(config->admin_port, 9001);
  config = Resolve({"--config", file, "--port", "9200"});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->port, 9200);  // flags beat the environment
}

TEST_F(ConfigTest, InvalidValuesNameTheSetting) {
  auto config = Resolve({"--port", "70000"});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("http.port"), std::string_view::npos);
  setenv("OFS_SYNC_WRITES", "maybe", 1);
  config = Resolve({});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("OFS_SYNC_WRITES"), std::string_view::npos);
  unsetenv("OFS_SYNC_WRITES");
  EXPECT_FALSE(Resolve({"--port", "9000", "--admin-port", "9000"}).ok());
  EXPECT_FALSE(Resolve({"--log-level", "loud"}).ok());
  EXPECT_TRUE(Resolve({"--max-header-bytes", "1048576"}).ok());
  config = Resolve({"--max-header-bytes", "1048577"});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("http.max_header_bytes"), std::string_view::npos);
}

TEST_F(ConfigTest, UnknownTomlKeysAreRefused) {
  auto config = Resolve({"--config", WriteToml("[http]\nprot = 1\n")});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("http.prot"), std::string_view::npos);
  EXPECT_FALSE(Resolve({"--config", WriteToml("port = [")}).ok());
  EXPECT_FALSE(Resolve({"--config", "/nonexistent/ofs.toml"}).ok());
}

TEST_F(ConfigTest, AuthTokens) {
  auto config = Resolve({"--config", WriteToml(R"([auth]
tokens = [ { token = "a", roles = ["admin", "reader"] }, { token = "r", roles = ["reader"], tenants = ["t1"] } ]
)")});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->tokens.size(), 2u);
  EXPECT_EQ(config->tokens[0].roles.size(), 2u);
  EXPECT_EQ(config->tokens[1].tenants, std::vector<std::string>{"t1"});
  EXPECT_FALSE(
      Resolve({"--config", WriteToml("[auth]\ntokens = [ { token = \"a\", roles = [\"root\"] } ]\n")}).ok());
  EXPECT_FALSE(Resolve({"--config", WriteToml("[auth]\ntokens = [ { roles = [\"admin\"] } ]\n")}).ok());
}

// Every way of writing a scope that would silently leave a token unscoped (or scoped wrongly) is refused.
TEST_F(ConfigTest, AuthTokenScopesAreExplicit) {
  for (const char* entry : {
           R"({ token = "a", roles = ["reader"], tenants = [] })",     // empty = every tenant
           R"({ token = "a", roles = ["reader"], tenants = "t1" })",   // not a list
           R"({ token = "a", roles = ["reader"], tenants = [1] })",    // not names
           R"({ token = "a", roles = ["reader"], tenants = [""] })",   // empty name
           R"({ token = "a", roles = ["reader"], tenant = ["t1"] })",  // misspelt key
           R"({ token = "a", roles = ["reader"] }, { token = "a", roles = ["admin"], tenants = ["t1"] })",
       }) {
    auto config = Resolve({"--config", WriteToml(std::string("[auth]\ntokens = [ ") + entry + " ]\n")});
    EXPECT_FALSE(config.ok()) << entry;
  }
}

TEST_F(ConfigTest, TemplateParsesBackToTheDefaults) {
  auto config = Resolve({"--config", WriteToml(ConfigTemplate())});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->block_cache_mb, 256);
}

TEST_F(ConfigTest, WriteBufferIsOneMemtableByDefault) {
  Result<Config> defaults = Resolve({});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->write_buffer_mb, 64);
  EXPECT_EQ(defaults->memtables_per_flush, 1);
  Result<Config> eight = Resolve({"--memtables-per-flush", "8"});
  ASSERT_TRUE(eight.ok()) << eight.status().ToString();
  EXPECT_EQ(eight->memtables_per_flush, 8);
  EXPECT_FALSE(Resolve({"--memtables-per-flush", "0"}).ok());
  EXPECT_FALSE(Resolve({"--memtables-per-flush", "65"}).ok());
}

TEST_F(ConfigTest, MemtableIsHashedByDefaultAndNamesAreChecked) {
  Result<Config> defaults = Resolve({});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->memtable, "hashed");
  Result<Config> skip_list = Resolve({"--memtable", "skip_list"});
  ASSERT_TRUE(skip_list.ok()) << skip_list.status().ToString();
  EXPECT_EQ(skip_list->memtable, "skip_list");
  Result<Config> unknown = Resolve({"--memtable", "vector"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("hashed, skip_list"), std::string::npos);
}

TEST_F(ConfigTest, TheStoreIsRocksDbByDefaultOrACassandraClusterPerTenant) {
  Result<Config> defaults = Resolve({});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->store_url, "rocksdb");
  Result<StoreSelection> embedded = ParseStoreSelection("rocksdb", "");
  ASSERT_TRUE(embedded.ok());
  EXPECT_EQ(embedded->engine, StoreSelection::Engine::kRocksDb);

  Result<Config> toml =
      Resolve({"--config", WriteToml("[store]\nurl = \"cassandra://10.0.0.1:9042/feat?dc=eu\"\n"
                                     "tenants = \"fast = cassandra://10.0.0.9/hot ; \"\n")});
  ASSERT_TRUE(toml.ok()) << toml.status().ToString();
  Result<StoreSelection> cassandra = ParseStoreSelection(toml->store_url, toml->store_tenants);
  ASSERT_TRUE(cassandra.ok()) << cassandra.status().ToString();
  EXPECT_EQ(cassandra->engine, StoreSelection::Engine::kCassandra);
#ifdef OFS_WITH_CASSANDRA
  EXPECT_EQ(cassandra->cassandra.cluster.keyspace, "feat");
  EXPECT_EQ(cassandra->cassandra.cluster.local_dc, "eu");
  ASSERT_EQ(cassandra->cassandra.tenant_clusters.count("fast"), 1u);
  EXPECT_EQ(cassandra->cassandra.tenant_clusters.at("fast").keyspace, "hot");
#endif

  for (auto [url, tenants, says] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"redis://x", "", "rocksdb or a cassandra:// URL"},
           {"rocksdb", "t=cassandra://h/k", "needs a cassandra:// store.url"},
           {"cassandra://h/k", "=cassandra://h/k", "no tenant name"},
           {"cassandra://h/k", "t=cassandra://h/k;t=cassandra://h/j", "names tenant 't' twice"},
           {"cassandra://h/k", "t=mysql://h/k", "tenant 't'"},
       }) {
    Result<StoreSelection> bad = ParseStoreSelection(url, tenants);
    ASSERT_FALSE(bad.ok()) << url << " " << tenants;
    EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidRequest);
    EXPECT_NE(bad.status().message().find(says), std::string::npos) << bad.status().message();
    EXPECT_FALSE(Resolve({"--store", url, "--store-tenants", tenants}).ok()) << url << " " << tenants;
  }
}

TEST(RowCacheBytesTest, ExplicitMiBOffOrAQuarterOfTheMemory) {
  EXPECT_EQ(RowCacheBytes(512, 8ull << 30), 512ull << 20);
  EXPECT_EQ(RowCacheBytes(0, 8ull << 30), 0u);
  EXPECT_EQ(RowCacheBytes(-1, 8ull << 30), 2ull << 30);
  EXPECT_EQ(RowCacheBytes(-1, 0), 0u);  // memory unknown: no cache rather than a guess
}

TEST(RowCacheBytesTest, AvailableMemoryIsKnownHere) { EXPECT_GT(AvailableMemoryBytes(), 64ull << 20); }

TEST_F(ConfigTest, RowCacheDefaultsToAutoAndAcceptsOff) {
  Result<Config> defaults = Resolve({});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->row_cache_mb, -1);
  Result<Config> off = Resolve({"--row-cache-mb", "0"});
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->row_cache_mb, 0);
  EXPECT_FALSE(Resolve({"--row-cache-mb", "-2"}).ok());
}

}  // namespace

}  // namespace ofs::app
