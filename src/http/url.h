#pragma once
// Request-target helpers: splitting into path and query, and %XX decoding. Pure functions, thread-safe.

#include <string>
#include <string_view>

namespace ofs::http {

// Splits a request target into the raw path and the raw query (after '?', before any '#').
// Origin form "/a/b?x=1" gives "/a/b" and "x=1"; absolute form "http://host:1/a?x" gives "/a" and "x"
// ("/" when it has no path); anything else (e.g. "*") is returned whole as the path.
void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query);

// Appends the %XX-decoded form of `in` to `out`; with plus_as_space, '+' becomes ' ' (query strings).
// A '%' not followed by two hex digits is kept verbatim (lenient, never fails).
void PercentDecode(std::string_view in, bool plus_as_space, std::string* out);

// True when `in` contains something PercentDecode would change.
bool NeedsDecoding(std::string_view in, bool plus_as_space);

// True when PercentDecode(raw, plus_as_space) == decoded, without allocating.
bool DecodedEquals(std::string_view raw, bool plus_as_space, std::string_view decoded);

}  // namespace ofs::http
