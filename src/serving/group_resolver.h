#pragma once
// Resolution of the feature group a serving request names, with the answers API.md prescribes:
// unknown group -> FEATURE-GROUP-NOT-FOUND-EXCEPTION (404) on /v1 paths, and 400
// OFS-V2-ADMIN-SERVICE-EXCEPTION "feature group not found" on Darwin paths; unknown version ->
// FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION (Darwin: the same admin-service error and message as an
// unknown group); a group the caller's token may not use (api/tenant_scope.h: every tenant of every
// version in its scope) -> FORBIDDEN; archived ->
// FEATURE-GROUP-STATE-EXCEPTION.

#include <string_view>

#include "api/auth.h"
#include "base/status.h"
#include "catalog/catalog.h"

namespace ofs::serving {

// `version` empty = latest; `principal` is the caller (nullptr when access control is off). A group or
// version the snapshot lacks is reported to `catalog` (Catalog::NoteMiss; nullptr = nobody), so that a node
// whose catalog another process changes refreshes early.
Result<const catalog::GroupEntry*> ResolveGroup(const catalog::Snapshot& snapshot, std::string_view name,
                                                std::string_view version, bool darwin,
                                                const api::Principal* principal,
                                                const catalog::Catalog* catalog = nullptr);

}  // namespace ofs::serving
