#include "api/headers.h"

#include "api/json_read.h"
#include "base/strings.h"

namespace ofs::api {

bool FlagHeader(const http::Request& request, std::string_view lower_name, bool fallback) {
  std::string_view value = TrimJsonWhitespace(request.Header(lower_name));
  if (value.empty()) return fallback;
  return EqualsIgnoreCase(value, "true");
}

}  // namespace ofs::api
