// Request accessors and method names (declared in server.h).

#include "http/server.h"
#include "http/url.h"

namespace ofs::http {

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
    case Method::kPatch:
      return "PATCH";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

bool Request::QueryParam(std::string_view name, std::string* value) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    if (!DecodedEquals(raw_name, /*plus_as_space=*/true, name)) continue;
    value->clear();
    if (eq != std::string_view::npos) PercentDecode(pair.substr(eq + 1), /*plus_as_space=*/true, value);
    return true;
  }
  return false;
}

}  // namespace ofs::http
