#pragma once
// The catalog rules every MetadataStore engine applies, kept out of any engine's SQL so that SQLite and
// MariaDB decide the same way (README.md, "Semantics the store decides"):
//   - version numbering: a group's first version is v1; an upgrade creates latest + 1, only when the
//     group has versioning on and the upgrade keeps the group's entity;
//   - column ids: an entity's columns get 1..n in declared order; every group version's columns continue
//     from the entity's next free id, so ids are unique per entity across all its groups and versions and
//     never reused.
// Uniqueness under concurrent admins is each engine's part: it reads the latest version and the entity's
// next column id, and writes the new version and the advanced id, in one transaction that excludes other
// writers of that entity (SQLite: BEGIN IMMEDIATE; MariaDB: the entity row locked FOR UPDATE), with a
// unique (name, version number) index as the backstop. The conformance suite races two stores on one
// database to prove it (catalog/testing).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::catalog::rules {

// The latest version of a group, as an engine read it inside its creating transaction.
struct LatestVersion {
  int64_t number = 0;
  bool version_enabled = true;
  int64_t entity_id = 0;
  std::string name;  // as first written
};

struct NewVersion {
  std::string name;  // the group's name as first written (the request's for a new group)
  int64_t number = 1;
};

// The version to create for a request naming `requested`, on entity `entity_id`. Errors:
// FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION (exists, no upgrade), VERSIONING-DISABLED-EXCEPTION,
// FEATURE-GROUP-REGISTRATION-REQUEST-EXCEPTION (an upgrade onto another entity).
Result<NewVersion> NextVersion(const std::optional<LatestVersion>& latest, bool upgrade,
                               std::string_view requested, int64_t entity_id);

// Column ids: [first, first + count) taken from an entity whose next free id is `next_free`.
struct ColumnIds {
  int64_t first = 0;
  int64_t next_free = 0;  // the entity's next free id afterwards
};
constexpr int64_t kFirstEntityColumnId = 1;
ColumnIds EntityColumnIds(size_t count);
ColumnIds GroupColumnIds(int64_t next_free, size_t count);

}  // namespace ofs::catalog::rules
