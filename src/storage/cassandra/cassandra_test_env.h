#pragma once
// Test support: the Cassandra the server tests run against. OFS_TEST_CASSANDRA=HOST:PORT names it;
// unset, those tests skip, unless OFS_REQUIRE_SERVICES=1 (CI), which makes them fail instead, so that
// the suite never skips silently where the services are meant to run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace ofs::storage::cassandra::testing {

inline std::string CassandraForTests() {
  const char* address = std::getenv("OFS_TEST_CASSANDRA");
  return address == nullptr ? std::string() : std::string(address);
}

inline bool ServicesRequired() {
  const char* required = std::getenv("OFS_REQUIRE_SERVICES");
  return required != nullptr && std::string_view(required) == "1";
}

inline constexpr const char* kNoCassandra =
    "OFS_TEST_CASSANDRA=HOST:PORT is unset (scripts/services/cassandra.sh start prints it)";

}  // namespace ofs::storage::cassandra::testing

// Declares `var` = the address of the test Cassandra, or skips (fails under OFS_REQUIRE_SERVICES=1).
#define OFS_CASSANDRA_OR_SKIP(var)                                                              \
  const std::string var = ::ofs::storage::cassandra::testing::CassandraForTests();              \
  if (var.empty()) {                                                                            \
    if (::ofs::storage::cassandra::testing::ServicesRequired()) {                               \
      FAIL() << "OFS_REQUIRE_SERVICES=1: " << ::ofs::storage::cassandra::testing::kNoCassandra; \
    }                                                                                           \
    GTEST_SKIP() << ::ofs::storage::cassandra::testing::kNoCassandra;                           \
  }
