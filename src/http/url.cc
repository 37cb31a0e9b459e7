#include "http/url.h"

#include "base/strings.h"

namespace ofs::http {
namespace {

// Decodes the character starting at in[*i] and advances *i past it.
char DecodeAt(std::string_view in, bool plus_as_space, size_t* i) {
  char c = in[*i];
  if (c == '%' && *i + 2 < in.size()) {
    int hi = HexDigitValue(in[*i + 1]);
    int lo = HexDigitValue(in[*i + 2]);
    if (hi >= 0 && lo >= 0) {
      *i += 3;
      return static_cast<char>(hi * 16 + lo);
    }
  }
  ++*i;
  return (plus_as_space && c == '+') ? ' ' : c;
}

}  // namespace

void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query) {
  *query = {};
  if (size_t hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  if (!target.empty() && target.front() != '/') {
    size_t scheme = target.find("://");
    if (scheme == std::string_view::npos) {
      *path = target;
      return;
    }
    size_t slash = target.find_first_of("/?", scheme + 3);
    target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
    if (target.empty() || target.front() == '?') {
      *path = "/";
      if (!target.empty()) *query = target.substr(1);
      return;
    }
  }
  size_t q = target.find('?');
  if (q == std::string_view::npos) {
    *path = target;
    return;
  }
  *path = target.substr(0, q);
  *query = target.substr(q + 1);
}

void PercentDecode(std::string_view in, bool plus_as_space, std::string* out) {
  size_t i = 0;
  while (i < in.size()) out->push_back(DecodeAt(in, plus_as_space, &i));
}

bool NeedsDecoding(std::string_view in, bool plus_as_space) {
  for (char c : in) {
    if (c == '%' || (plus_as_space && c == '+')) return true;
  }
  return false;
}

bool DecodedEquals(std::string_view raw, bool plus_as_space, std::string_view decoded) {
  size_t i = 0;
  size_t j = 0;
  while (i < raw.size()) {
    if (j == decoded.size() || DecodeAt(raw, plus_as_space, &i) != decoded[j]) return false;
    ++j;
  }
  return j == decoded.size();
}

}  // namespace ofs::http
