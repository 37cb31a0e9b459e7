// Fuzz target for populate/load_request.h (POST /v1/load's body, and the job parameters the metadata
// store keeps and workers decode again). Input: the body. Checks, aborting on failure: a body that decodes
// encodes to canonical JSON that decodes again to the same encoding (what a worker reads is what the
// admin API accepted), and never holds a credential or another option a job may not set.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "populate/load_request.h"

namespace {

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "load_request_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  ofs::Result<ofs::populate::LoadRequest> decoded = ofs::populate::DecodeStoredLoadRequest(body);
  if (!decoded.ok()) {
    Require(decoded.status().code() == ofs::ErrorCode::kInvalidRequest,
            "a refusal that is not INVALID_REQUEST");
    return 0;
  }
  for (const auto& [key, value] : decoded->storage_options) {
    Require(!ofs::populate::IsCredentialOption(key), "a credential accepted");
    Require(ofs::populate::IsJobStorageOption(key), "a storage option a job may not set accepted");
  }
  const std::string encoded = ofs::populate::EncodeLoadRequest(*decoded);
  ofs::Result<ofs::populate::LoadRequest> again = ofs::populate::DecodeStoredLoadRequest(encoded);
  Require(again.ok(), "the canonical form does not decode");
  Require(ofs::populate::EncodeLoadRequest(*again) == encoded, "the canonical form is not stable");
  return 0;
}
