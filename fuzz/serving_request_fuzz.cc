// Fuzzes the serving request decoders end to end (read, multi-read, partition read, write, batch
// write): the first byte picks the route, the rest is the JSON body. See request_fuzz_harness.h.

#include <array>
#include <string_view>

#include "request_fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr std::array<std::string_view, 5> kPaths = {
      "/v1/feature-group/read", "/v1/feature-group/multi-read", "/v1/feature-group/partition/read",
      "/v1/feature-group/write", "/feature-group/write-features-v1"};
  if (size == 0) return 0;
  std::string_view path = kPaths[data[0] % kPaths.size()];
  ofs::fuzz::RequestHarness::Get().Dispatch(false, ofs::http::Method::kPost, path, "", data + 1, size - 1);
  return 0;
}
