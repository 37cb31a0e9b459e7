#pragma once
// Router: maps (method, path pattern) to a handler. Patterns are literal segments and `{param}`
// segments ("/v1/entity/{name}/state"). A trailing slash on the request path is tolerated. Matching is
// by exact segments (case-sensitive), literal segments preferred over parameters.
// Built at startup, read-only afterwards (thread-safe for concurrent Match calls).

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/server.h"

namespace ofs::http {

struct PathParams {
  std::vector<std::pair<std::string_view, std::string_view>> values;  // (name, raw segment)
  std::string_view Get(std::string_view name) const {
    for (const auto& [k, v] : values) {
      if (k == name) return v;
    }
    return {};
  }
};

using RouteHandler = std::function<void(const Request&, const PathParams&, Response&)>;

struct Route {
  Method method;
  std::string pattern;
  std::string label;  // metrics label, e.g. "read" (shared by a v1 path and its Darwin twin)
  RouteHandler handler;
  std::vector<std::string> segments;
};

class Router {
 public:
  void Add(Method method, std::string_view pattern, std::string label, RouteHandler handler);

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct MatchResult {
    Outcome outcome = Outcome::kNotFound;
    const Route* route = nullptr;
    PathParams params;
  };
  MatchResult Match(Method method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<Route> routes_;
  // Routes without parameters by canonical path ("/" + segments joined by "/"), in registration order:
  // a request path in that form matches one of them without scanning every route (the common case).
  std::unordered_map<std::string, std::vector<size_t>, StringHash, std::equal_to<>> literal_routes_;
};

}  // namespace ofs::http
