#pragma once
// A record of the Kafka ingestion contract (API.md section 6) as the ingestion code sees it, whatever
// carried it (a Kafka topic, or the embedded queue of `ofs standalone`): key, value, headers and the
// producer's timestamp. Header names are compared exactly (Kafka headers are case-sensitive; Darwin's
// producers use the lower-case names below).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ofs::ingest {

// Header names of the contract.
inline constexpr std::string_view kSdkVersionHeader = "sdk-version";  // "v2"; absent = v1 (legacy)
inline constexpr std::string_view kGroupNameHeader = "feature-group-name";
inline constexpr std::string_view kGroupVersionHeader = "feature-group-version";  // absent = latest
inline constexpr std::string_view kRunIdHeader = "run-id";
inline constexpr std::string_view kReplicatedWritesHeader =
    "replicated-writes";  // "true" (default) / "false"
// OFS's own producer states the write time in microseconds (the record timestamp has milliseconds only),
// so that rows written through write-async carry the same time a synchronous write would.
inline constexpr std::string_view kWriteTimeHeader = "ofs-write-time";
// The reason OFS adds to every dead-letter record.
inline constexpr std::string_view kErrorHeader = "error";

struct Header {
  std::string name;
  std::string value;
};

// An owned record.
struct Record {
  std::string key;
  std::string value;
  std::vector<Header> headers;
  int64_t timestamp_ms = -1;  // the producer's (or the broker's) timestamp; -1 = none
  // Where it came from (for logs and commits; the embedded queue uses partition 0).
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;

  // The value of the first header named `name`.
  std::optional<std::string_view> Find(std::string_view name) const {
    for (const Header& h : headers) {
      if (h.name == name) return std::string_view(h.value);
    }
    return std::nullopt;
  }
};

}  // namespace ofs::ingest
