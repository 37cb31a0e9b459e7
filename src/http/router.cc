#include "http/router.h"

namespace ofs::http {
namespace {

// Splits "/a/b/" into {"a","b"}; empty segments are dropped.
template <typename Out>
void SplitPath(std::string_view path, Out* out) {
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out->emplace_back(path.substr(i, j - i));
    i = j;
  }
}

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::Add(Method method, std::string_view pattern, std::string label, RouteHandler handler) {
  Route route{method, std::string(pattern), std::move(label), std::move(handler), {}};
  SplitPath(pattern, &route.segments);
  bool literal = true;
  std::string canonical;
  for (const std::string& segment : route.segments) {
    literal = literal && !IsParam(segment);
    canonical.append("/").append(segment);
  }
  if (literal) literal_routes_[canonical].push_back(routes_.size());
  routes_.push_back(std::move(route));
}

Router::MatchResult Router::Match(Method method, std::string_view path) const {
  // Fast path: a path equal to a parameterless pattern. Such a route has the most literals any route
  // can have for this path, so the scan below would pick the first of them whose method fits as well.
  if (auto it = literal_routes_.find(path); it != literal_routes_.end()) {
    for (size_t index : it->second) {
      const Route& route = routes_[index];
      if (route.method == method || (method == Method::kHead && route.method == Method::kGet)) {
        MatchResult found;
        found.outcome = Outcome::kFound;
        found.route = &route;
        return found;
      }
    }
  }
  std::string_view parts[16];
  size_t count = 0;
  {
    size_t i = 0;
    while (i < path.size()) {
      while (i < path.size() && path[i] == '/') ++i;
      size_t j = path.find('/', i);
      if (j == std::string_view::npos) j = path.size();
      if (j > i) {
        if (count == 16) return {};
        parts[count++] = path.substr(i, j - i);
      }
      i = j;
    }
  }
  MatchResult best;
  int best_literals = -1;
  bool path_matched = false;
  for (const Route& route : routes_) {
    if (route.segments.size() != count) continue;
    int literals = 0;
    bool ok = true;
    for (size_t s = 0; s < count && ok; ++s) {
      if (IsParam(route.segments[s])) continue;
      if (route.segments[s] != parts[s]) ok = false;
      ++literals;
    }
    if (!ok) continue;
    path_matched = true;
    bool method_ok = route.method == method || (method == Method::kHead && route.method == Method::kGet);
    if (!method_ok || literals <= best_literals) continue;
    best_literals = literals;
    best.outcome = Outcome::kFound;
    best.route = &route;
  }
  if (best.route == nullptr) {
    best.outcome = path_matched ? Outcome::kMethodNotAllowed : Outcome::kNotFound;
    return best;
  }
  for (size_t s = 0; s < count; ++s) {
    const std::string& seg = best.route->segments[s];
    if (IsParam(seg)) {
      best.params.values.emplace_back(std::string_view(seg).substr(1, seg.size() - 2), parts[s]);
    }
  }
  return best;
}

}  // namespace ofs::http
