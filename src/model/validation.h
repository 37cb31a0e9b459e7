#pragma once
// Validation of entity and feature-group definitions (API.md section 2 name rules). Each function
// returns the API error code the contract names for that mistake.

#include "base/status.h"
#include "model/types.h"

namespace ofs::model {

// Identifier rule for entity, group and column names: [A-Za-z_][A-Za-z0-9_]{0,63}.
bool IsValidIdentifier(std::string_view name);
// A loose e-mail shape check: local@domain.tld, no spaces.
bool IsValidOwner(std::string_view owner);

// The longest tag, owner, run id or run status, in characters (UTF-8 code points): every metadata engine
// keeps it (MySQL's VARCHAR(255)); longer is a request error, never a database failure.
inline constexpr size_t kMaxLabelChars = 255;
// Characters (code points) of UTF-8 text: bytes that do not continue a sequence.
size_t Utf8Length(std::string_view text);

// ENTITY-SCHEMA-VALIDATION-EXCEPTION on bad names, duplicate columns (case-insensitive), empty or
// unknown/duplicate primary keys, negative TTL.
Status ValidateEntity(const Entity& entity);

// FEATURE-GROUP-INVALID-COLUMN-NAMES-EXCEPTION for `__` in a name, a clash with an entity column, or a
// duplicate; FEATURE-GROUP-REGISTRATION-REQUEST-EXCEPTION for a bad group name or no columns.
Status ValidateFeatureGroup(const FeatureGroup& group, const Entity& entity);

}  // namespace ofs::model
