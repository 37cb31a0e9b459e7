#pragma once
// HTTP/1.1 wire helpers: response head serialization and reason phrases.
// Pure functions, thread-safe.

#include <cstddef>
#include <string_view>

#include "http/buffer.h"
#include "http/server.h"

namespace ofs::http {

// Which Connection header a response carries.
enum class ConnectionHeader { kNone, kClose, kKeepAlive };

// The reason phrase of a status code ("OK", "Not Found", ...; "Unknown" for codes it does not know).
std::string_view ReasonPhrase(int status);

struct ResponseHead {
  int status = 200;
  std::string_view content_type;
  size_t content_length = 0;
  std::string_view request_id;
  ConnectionHeader connection = ConnectionHeader::kNone;
  bool gzip = false;  // adds Content-Encoding: gzip and Vary: Accept-Encoding
  const std::vector<std::pair<std::string, std::string>>* extra_headers = nullptr;
};

// Appends "HTTP/1.1 <status> <reason>\r\n", the headers and the blank line to `out`.
void AppendResponseHead(const ResponseHead& head, ByteBuffer* out);

}  // namespace ofs::http
