#pragma once
// Importing a Darwin admin's catalog (the Darwin migration path; docs/operations.md): the three catalog
// dumps a Darwin admin publishes (GET /entity/all, /feature-group/all, /feature-group/version/all;
// API.md section 4) decoded into the model, then registered in a MetadataStore as metadata only. No
// table or column is created: OFS pointed at the Darwin keyspace then serves the rows Darwin wrote.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/metadata_store.h"
#include "model/types.h"

namespace ofs::admin {

// What a Darwin admin publishes.
struct DarwinCatalog {
  std::vector<model::EntityMetadata> entities;
  std::vector<model::FeatureGroupMetadata> versions;  // every version of every group
  std::vector<model::FeatureGroupVersion> heads;      // each group's latest version
};

// The JSON document of one dump reply, whose body is {"data": "<text>"}: the text itself when it is JSON,
// else the inflated base64 of its raw deflate (Darwin's default, compressed-response: true).
// INVALID_REQUEST saying what is wrong; PAYLOAD-TOO-LARGE when the document would pass `max_bytes`.
// The reply is untrusted bytes (fuzz/darwin_dump_fuzz.cc).
Result<std::string> UnwrapDarwinDump(std::string_view reply_body, size_t max_bytes);

// Each decodes an unwrapped dump document, appending to `out`: {"entities": [...]},
// {"featureGroups": [...]}, {"versions": [...]} (model_json.h has the item shapes). INVALID_REQUEST
// naming the dump and the item that is wrong.
Status ParseEntityDump(std::string_view json, std::vector<model::EntityMetadata>* out);
Status ParseFeatureGroupDump(std::string_view json, std::vector<model::FeatureGroupMetadata>* out);
Status ParseVersionDump(std::string_view json, std::vector<model::FeatureGroupVersion>* out);

struct ImportReport {
  int64_t entities_created = 0;
  int64_t entities_unchanged = 0;  // already registered with the same schema
  int64_t versions_created = 0;
  int64_t versions_unchanged = 0;
  // One line per entity or version left out, naming it and the reason. An import with problems
  // registered everything else.
  std::vector<std::string> problems;
};

// Registers in `store` what `catalog` has and `store` lacks, stamped `now_ms` (Darwin's own times are not
// kept: a Darwin serving app polling /…/all-updated?timestamp= would otherwise never see them):
//   - entities, with their owner, tags, description and TTL, then their state;
//   - each group's versions in version order (v1 created, each later one as an upgrade), with tenants,
//     owner, tags and description, then their state. OFS numbers versions without gaps, so a version
//     after a gap (v1, v3) is a problem and the group's later versions are left out.
// Each is checked by the rules a register request meets (model/validation.h). An item already in the
// store with the same schema counts as unchanged, so an import can be run again to take what Darwin
// added since; one that differs is a problem, never overwritten. `dry_run` changes nothing and reports
// what would be done. An error return means the store failed (the report so far is lost; what was
// committed stays, and a second run completes it).
Result<ImportReport> ImportDarwinCatalog(const DarwinCatalog& catalog, catalog::MetadataStore& store,
                                         int64_t now_ms, bool dry_run);

}  // namespace ofs::admin
