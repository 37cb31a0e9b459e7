#pragma once
// Kafka topic names of the ingestion contract (API.md section 6).

#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "model/types.h"

namespace ofs::ingest {

// The topic of a consume tenant: one per tenant, named after it; the default tenant's is "default"
// (Darwin's seed data: default-tenant -> default, t1 -> t1).
inline std::string TopicOfTenant(std::string_view consume_tenant) {
  return consume_tenant == model::kDefaultTenant ? std::string("default") : std::string(consume_tenant);
}

// Every topic the catalog's groups are consumed from (sorted, distinct; "default" always included).
std::vector<std::string> TopicsOf(const catalog::Snapshot& snapshot);

// The dead-letter topic of an environment: "<environment>_default_dlq" (Darwin's name).
inline std::string DeadLetterTopic(std::string_view environment) {
  return std::string(environment) + "_default_dlq";
}

}  // namespace ofs::ingest
