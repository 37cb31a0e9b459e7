#pragma once
// Kafka topic names of the ingestion contract (API.md section 6).

#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "model/types.h"

namespace ofs::ingest {

// The topic of a consume tenant: Snapshot::TopicOfTenant (its registered topic, else its own name).

// Every topic the consumers read: default-tenant's, every consume tenant's of the catalog's groups, and
// every registered one (sorted, distinct).
std::vector<std::string> TopicsOf(const catalog::Snapshot& snapshot, std::string_view prefix = {});

// The dead-letter topic of an environment: "<environment>_default_dlq" (Darwin's name).
inline std::string DeadLetterTopic(std::string_view environment) {
  return std::string(environment) + "_default_dlq";
}

}  // namespace ofs::ingest
