// Fuzz target for admin/darwin_import.h, the decoder of a Darwin admin's catalog dumps (bytes from a
// remote server that `ofs import-darwin` trusts no more than a request). Input: the first byte picks
// what the rest is: even = a whole dump reply ({"data": ...}), odd = an unwrapped dump document. Checks,
// aborting on failure:
//   - UnwrapDarwinDump never returns more than its limit, and a reply whose data is a JSON document is
//     returned unchanged;
//   - each dump parser either fails with a message or yields items whose names are set (the importer
//     relies on it), and parsing the same document twice gives the same items.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "admin/darwin_import.h"

namespace {

constexpr size_t kLimit = 1 << 20;

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "darwin_dump_fuzz: %s\n", what);
  std::abort();
}

void ParseAll(std::string_view json) {
  std::vector<ofs::model::EntityMetadata> entities;
  if (ofs::admin::ParseEntityDump(json, &entities).ok()) {
    for (const auto& e : entities) Require(!e.name.empty(), "an entity without a name");
    std::vector<ofs::model::EntityMetadata> again;
    Require(ofs::admin::ParseEntityDump(json, &again).ok() && again.size() == entities.size(),
            "entity dump parsed twice differs");
  }
  std::vector<ofs::model::FeatureGroupMetadata> groups;
  if (ofs::admin::ParseFeatureGroupDump(json, &groups).ok()) {
    for (const auto& g : groups)
      Require(!g.name.empty() && !g.version.empty(), "a group without name or version");
  }
  std::vector<ofs::model::FeatureGroupVersion> heads;
  if (ofs::admin::ParseVersionDump(json, &heads).ok()) {
    for (const auto& h : heads) Require(!h.name.empty() && !h.latest_version.empty(), "a head without name");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    ofs::Result<std::string> json = ofs::admin::UnwrapDarwinDump(rest, kLimit);
    if (!json.ok()) {
      Require(!json.status().message().empty(), "an error without a message");
      return 0;
    }
    Require(json->size() <= kLimit, "a document over the limit");
    ParseAll(*json);
  } else {
    ParseAll(rest);
  }
  return 0;
}
