#pragma once
// Options of the Cassandra/ScyllaDB store (cassandra_store.h) and the parser of its store URL:
//
//   cassandra://HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DC&read_consistency=LOCAL_ONE
//       &write_consistency=LOCAL_QUORUM&replication_factor=1&connect_timeout_ms=5000
//       &request_timeout_ms=1000&user=U&password_file=PATH&tls=1&tls_ca=PATH&tls_verify=1
//       &speculative_retries=0&speculative_delay_ms=50
//
// Every query parameter is optional (defaults below); the port defaults to 9042, the keyspace to `ofs`;
// IPv6 hosts are bracketed (`[::1]:9042`); values may be percent-encoded. The password is read from
// `password_file` (its first line) when the URL is parsed, and it never appears in an error, a log line
// or Describe(). Errors name the part of the URL that is wrong.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ofs::storage::cassandra {

enum class Consistency : uint8_t {
  kAny,
  kOne,
  kTwo,
  kThree,
  kQuorum,
  kAll,
  kLocalQuorum,
  kEachQuorum,
  kLocalOne,
};

std::string_view ConsistencyName(Consistency c);                     // "LOCAL_QUORUM"
std::optional<Consistency> ParseConsistency(std::string_view name);  // case-insensitive

// One cluster and the keyspace OFS uses on it.
struct CassandraClusterOptions {
  std::vector<std::string> contact_points;  // "host:port"
  // Local datacenter: requests go to its nodes only (DC-aware, token-aware routing); "" = any node
  // (token-aware).
  std::string local_dc;
  // The keyspace of the default tenant; other tenants on this cluster get their own (TenantKeyspace in
  // cql_schema.h) unless they are mapped to a cluster of their own.
  std::string keyspace = "ofs";
  Consistency read_consistency = Consistency::kLocalOne;
  Consistency write_consistency = Consistency::kLocalQuorum;
  // Replication factor of the keyspaces OFS creates (SimpleStrategy); an existing keyspace is used as is.
  int replication_factor = 1;
  uint32_t connect_timeout_ms = 5000;
  // Deadline of every statement (the driver's client-side timeout): a completion always arrives.
  uint32_t request_timeout_ms = 1000;
  std::string username;  // "" = no authentication
  std::string password;  // never logged
  bool tls = false;
  std::string tls_ca_file;  // PEM CAs to trust besides the system's
  bool tls_verify = true;
  // Speculative execution of reads and writes (all of OFS's statements are idempotent): up to this many
  // extra attempts, each after speculative_delay_ms without an answer. 0 = off.
  uint32_t speculative_retries = 0;
  uint32_t speculative_delay_ms = 50;

  // "cassandra://h1:9042,h2:9042/ofs?dc=dc1&user=u&tls=1" without the password: for logs and messages.
  std::string Describe() const;
  // The fields that select a connection (everything but the keyspace and consistency levels): tenants
  // whose clusters agree on them share one session.
  std::string ConnectionKey() const;
};

struct CassandraStoreOptions {
  CassandraClusterOptions cluster;  // the default cluster, for every tenant not mapped below
  // Tenants served by a cluster (and keyspace) of their own: the keyspace is used as configured.
  std::map<std::string, CassandraClusterOptions, std::less<>> tenant_clusters;
  // Requests in flight per MultiGet or Write at most (the rest wait for a slot): bounds what one large
  // request puts on the cluster at once.
  size_t max_in_flight_per_request = 128;
  // Rows of one partition per batch at most; a larger partition is written in several batches.
  size_t max_rows_per_batch = 1000;
  // Worker threads of the CQL driver's runtime (native/cql: one per process, shared by every store).
  // The first store opened sets it; later ones with another count get the running one (logged).
  uint32_t driver_threads = 2;
  // Prepared statements kept per store (cached by their text); past it the cache starts over.
  size_t max_prepared_statements = 10'000;
};

// Parses a store URL (above). INVALID-REQUEST naming the offending part.
Result<CassandraClusterOptions> ParseCassandraUrl(std::string_view url);

}  // namespace ofs::storage::cassandra
