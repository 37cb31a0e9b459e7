#pragma once
// Handler entry points of the serving API, one per operation. Each takes the JSON text of one request
// (the body, or one batch of a multi-request) and appends its payload to `out`; errors are returned
// without partial output being meaningful (callers truncate).

#include <string_view>

#include "api/endpoint.h"
#include "codec/json_writer.h"
#include "serving/serving.h"

namespace ofs::serving {

// Point reads of one group. Parser slots 1..4.
Status ReadOne(const ServingDeps& deps, const api::Call& call, const catalog::Snapshot& snapshot,
               std::string_view json, codec::JsonWriter& out);
// Partition read of one group. Parser slots 1..3.
Status ReadPartition(const ServingDeps& deps, const api::Call& call, const catalog::Snapshot& snapshot,
                     std::string_view json, codec::JsonWriter& out);
// Synchronous write of one group. Parser slots 1..3.
Status WriteOne(const ServingDeps& deps, const api::Call& call, const catalog::Snapshot& snapshot,
                std::string_view json, codec::JsonWriter& out);

// Store operation latency histograms, created once per registry.
struct StoreProbe {
  metrics::Histogram* multiget;
  metrics::Histogram* scan;
  metrics::Histogram* write;
  metrics::Counter* errors;
  static const StoreProbe& For(metrics::Registry* registry);
};

}  // namespace ofs::serving
