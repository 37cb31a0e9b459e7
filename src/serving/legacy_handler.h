#pragma once
// Darwin's legacy serving routes (legacy_handler.cc): POST /ofs/async-batch-write.

#include "api/endpoint.h"
#include "serving/serving.h"

namespace ofs::serving {

// `deps` as RegisterServingRoutes completes them (write_clock set).
void RegisterLegacyRoutes(api::Endpoint& endpoint, const ServingDeps& deps);

}  // namespace ofs::serving
