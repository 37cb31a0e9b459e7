#pragma once
// Request headers with a meaning shared by both API faces (API.md section 1).

#include <string_view>

#include "http/server.h"

namespace ofs::api {

// A boolean header (`upgrade`, `replicate-write`, `compressed-response`) read as Darwin read it: absent
// or empty -> `fallback`; "true" in any letter case -> true; any other value -> false. Never an error,
// so a client that sends "yes" gets false, as it did from Darwin. `lower_name` is the lower-case name.
bool FlagHeader(const http::Request& request, std::string_view lower_name, bool fallback);

}  // namespace ofs::api
