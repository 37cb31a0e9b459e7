#pragma once
// Resolution of the feature group a serving request names, with the answers API.md prescribes:
// unknown group -> FEATURE-GROUP-NOT-FOUND-EXCEPTION (404) on /v1 paths, and 400
// OFS-V2-ADMIN-SERVICE-EXCEPTION "feature group not found" on Darwin paths; unknown version ->
// FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION (Darwin: the same admin-service error and message as an
// unknown group); archived ->
// FEATURE-GROUP-STATE-EXCEPTION.

#include <string_view>

#include "base/status.h"
#include "catalog/catalog.h"

namespace ofs::serving {

// `version` empty = latest.
Result<const catalog::GroupEntry*> ResolveGroup(const catalog::Snapshot& snapshot, std::string_view name,
                                                std::string_view version, bool darwin);

}  // namespace ofs::serving
