// Search (API.md section 4): the v1 query-string search over entities and groups (the store's search:
// substring of name or description, tags and owners any-of), the Darwin body searches with Darwin's
// filter (see MatchesDarwinSearch) and page-size / page-offset, and the distinct owner and tag lists. A
// tenant-scoped caller finds only the groups and entities it may use (admin/scope.h).

#include <algorithm>
#include <limits>
#include <set>

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/model_json.h"
#include "admin/scope.h"
#include "base/strings.h"

namespace ofs::admin {
namespace {

using http::Method;

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;
constexpr int64_t kMaxOffset = std::numeric_limits<int64_t>::max();

// "a, b,,c" -> {"a", "b", "c"}
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = api::TrimJsonWhitespace(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

std::vector<std::string> ListParam(const http::Request& request, std::string_view name) {
  std::string text;
  return request.QueryParam(name, &text) ? SplitList(text) : std::vector<std::string>();
}

template <typename T, typename Write>
void WriteList(const std::vector<T>& items, codec::JsonWriter& out, Write write) {
  out.StartArray();
  for (const auto& item : items) write(item, out);
  out.EndArray();
}

// The store's search for the caller: a scoped caller's search runs unpaged, keeps what the caller may
// see, and is paged afterwards, so that pages stay full.
template <typename T, typename Search, typename Sees>
Result<std::vector<T>> SearchInScope(const Scope& scope, catalog::SearchQuery query, Search search,
                                     Sees sees) {
  if (scope.unrestricted()) return search(query);
  const auto offset = static_cast<size_t>(query.offset);
  const auto limit = static_cast<size_t>(query.limit);
  query.offset = 0;
  query.limit = std::numeric_limits<int64_t>::max();
  OFS_ASSIGN_OR_RETURN(std::vector<T> found, search(query));
  std::erase_if(found, [&](const T& item) { return !sees(item); });
  found.erase(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(std::min(offset, found.size())));
  if (found.size() > limit) found.resize(limit);
  return found;
}

Result<std::vector<model::EntityMetadata>> FindEntities(const AdminDeps& deps, const Scope& scope,
                                                        const catalog::SearchQuery& query) {
  return SearchInScope<model::EntityMetadata>(
      scope, query, [&](const catalog::SearchQuery& q) { return deps.store->SearchEntities(q); },
      [&](const model::EntityMetadata& e) { return scope.SeesEntity(e.name); });
}

Result<std::vector<model::FeatureGroupMetadata>> FindFeatureGroups(const AdminDeps& deps, const Scope& scope,
                                                                   const catalog::SearchQuery& query) {
  return SearchInScope<model::FeatureGroupMetadata>(
      scope, query, [&](const catalog::SearchQuery& q) { return deps.store->SearchFeatureGroups(q); },
      [&](const model::FeatureGroupMetadata& g) { return scope.SeesGroup(g.name); });
}

// GET /v1/search?q=&tags=a,b&owners=x&kind=entity|feature-group&limit=&offset= ->
// {"entities": [...], "featureGroups": [...]} (only the requested kind when `kind` is given; limit and
// offset apply to each list).
Status SearchV1(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  constexpr ErrorCode kCode = ErrorCode::kInvalidRequest;
  const http::Request& request = call.request;
  catalog::SearchQuery query;
  request.QueryParam("q", &query.pattern);
  query.tags = ListParam(request, "tags");
  query.owners = ListParam(request, "owners");
  OFS_ASSIGN_OR_RETURN(query.limit, IntQueryParam(request, "limit", kDefaultLimit, 1, kMaxLimit, kCode));
  OFS_ASSIGN_OR_RETURN(query.offset, IntQueryParam(request, "offset", 0, 0, kMaxOffset, kCode));
  std::string kind;
  request.QueryParam("kind", &kind);
  bool entities = kind.empty() || EqualsIgnoreCase(kind, "entity");
  bool groups = kind.empty() || EqualsIgnoreCase(kind, "feature-group");
  if (!entities && !groups) {
    return Status(kCode, "invalid kind '" + kind + "'", "kind is entity or feature-group");
  }
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  std::vector<model::EntityMetadata> found_entities;
  std::vector<model::FeatureGroupMetadata> found_groups;
  if (entities) {
    OFS_ASSIGN_OR_RETURN(found_entities, FindEntities(deps, scope, query));
  }
  if (groups) {
    OFS_ASSIGN_OR_RETURN(found_groups, FindFeatureGroups(deps, scope, query));
  }
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    if (entities) {
      out.Key("entities");
      WriteList(found_entities, out, WriteEntityMetadata);
    }
    if (groups) {
      out.Key("featureGroups");
      WriteList(found_groups, out, WriteFeatureGroupMetadata);
    }
    out.EndObject();
  });
}

// Darwin's search request: body {"searchPattern", "tags", "owners"} (GET or POST; may be absent) and
// params page-size (default 20, at most 1000) and page-offset (rows to skip).
struct DarwinSearch {
  std::string pattern;  // "" = no pattern filter
  std::vector<std::string> tags;
  std::vector<std::string> owners;
  int64_t limit = 0;
  int64_t offset = 0;
};

constexpr int64_t kDarwinDefaultPageSize = 20;

// Malformed body or parameters -> `code`; no filter at all -> SEARCH-ENTITY-REQUEST-EXCEPTION on both
// searches, as Darwin answered.
Result<DarwinSearch> ParseDarwinSearch(const http::Request& request, ErrorCode code) {
  DarwinSearch query;
  OFS_RETURN_IF_ERROR(
      ForEachBodyField(request, code, /*optional=*/true, [&](std::string_view key, od::value v) -> Status {
        std::vector<std::string>* list = EqualsIgnoreCase(key, "tags")     ? &query.tags
                                         : EqualsIgnoreCase(key, "owners") ? &query.owners
                                                                           : nullptr;
        if (EqualsIgnoreCase(key, "searchPattern")) {
          return ReadOptionalText(v, &query.pattern, code, "searchPattern");
        }
        if (list == nullptr || IsNull(v)) return Status::Ok();
        std::vector<std::string_view> items;
        OFS_RETURN_IF_ERROR(api::ReadStringArray(v, &items, code, key));
        list->assign(items.begin(), items.end());
        return Status::Ok();
      }));
  OFS_ASSIGN_OR_RETURN(query.limit,
                       IntQueryParam(request, "page-size", kDarwinDefaultPageSize, 0, kMaxLimit, code));
  OFS_ASSIGN_OR_RETURN(query.offset, IntQueryParam(request, "page-offset", 0, 0, kMaxOffset, code));
  if (query.pattern.empty() && query.tags.empty() && query.owners.empty()) {
    return Status(ErrorCode::kSearchEntityRequest, "a search needs searchPattern, tags or owners",
                  "send a body such as {\"searchPattern\": \"user\"}");
  }
  return query;
}

bool ContainsIgnoreCase(std::string_view text, std::string_view part) {
  if (part.size() > text.size()) return false;
  for (size_t i = 0; i + part.size() <= text.size(); ++i) {
    if (EqualsIgnoreCase(text.substr(i, part.size()), part)) return true;
  }
  return false;
}

// Darwin's filter: the pattern is a case-insensitive substring of the name or of any column name;
// every given tag is among the item's tags (exact); every given owner is the item's owner
// (case-insensitive, so two different owners match nothing).
bool MatchesDarwinSearch(const DarwinSearch& query, std::string_view name,
                         const std::vector<model::FeatureColumn>& columns,
                         const std::vector<std::string>& tags, std::string_view owner) {
  if (!query.pattern.empty() && !ContainsIgnoreCase(name, query.pattern)) {
    bool any = false;
    for (const auto& column : columns) any = any || ContainsIgnoreCase(column.name, query.pattern);
    if (!any) return false;
  }
  for (const auto& tag : query.tags) {
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) return false;
  }
  for (const auto& wanted : query.owners) {
    if (!EqualsIgnoreCase(wanted, owner)) return false;
  }
  return true;
}

// Writes `"<key>": [...]`: the page (offset, limit) of the items that match, in listing order.
template <typename T, typename Match, typename Write>
void WriteDarwinPage(const DarwinSearch& query, const std::vector<T>& items, std::string_view key,
                     Match match, Write write, codec::JsonWriter& out) {
  out.StartObject();
  out.Key(key);
  out.StartArray();
  int64_t seen = 0, written = 0;
  for (const auto& item : items) {
    if (written >= query.limit) break;
    if (!match(item) || seen++ < query.offset) continue;
    write(item, out);
    ++written;
  }
  out.EndArray();
  out.EndObject();
}

// -> {"featureGroups": [metadata of every matching group version, by name then version]}
Status SearchFeatureGroups(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(DarwinSearch query,
                       ParseDarwinSearch(call.request, ErrorCode::kSearchFeatureGroupRequest));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> all, scope.ListFeatureGroups(0));
  auto match = [&](const model::FeatureGroupMetadata& g) {
    return MatchesDarwinSearch(query, g.name, g.feature_group.features, g.tags, g.owner);
  };
  return Respond(response, [&](codec::JsonWriter& out) {
    WriteDarwinPage(query, all, "featureGroups", match, WriteFeatureGroupMetadata, out);
  });
}

// -> {"entities": [metadata of every matching entity, by name]}
Status SearchEntities(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(DarwinSearch query, ParseDarwinSearch(call.request, ErrorCode::kSearchEntityRequest));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::EntityMetadata> all, scope.ListEntities(0));
  auto match = [&](const model::EntityMetadata& e) {
    return MatchesDarwinSearch(query, e.name, e.entity.features, e.tags, e.owner);
  };
  return Respond(response, [&](codec::JsonWriter& out) {
    WriteDarwinPage(query, all, "entities", match, WriteEntityMetadata, out);
  });
}

// {"<key>": [sorted distinct values]}
Status RespondSorted(std::string_view key, const std::set<std::string>& values, http::Response& response) {
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key(key);
    out.StartArray();
    for (const auto& v : values) out.String(v);
    out.EndArray();
    out.EndObject();
  });
}

Status EntityOwners(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::EntityMetadata> all, scope.ListEntities(0));
  std::set<std::string> values;
  for (const auto& e : all) values.insert(e.owner);
  return RespondSorted("owners", values, response);
}

Status EntityTags(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::EntityMetadata> all, scope.ListEntities(0));
  std::set<std::string> values;
  for (const auto& e : all) values.insert(e.tags.begin(), e.tags.end());
  return RespondSorted("tags", values, response);
}

Status FeatureGroupOwners(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> all, scope.ListFeatureGroups(0));
  std::set<std::string> values;
  for (const auto& g : all) values.insert(g.owner);
  return RespondSorted("owners", values, response);
}

Status FeatureGroupTags(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> all, scope.ListFeatureGroups(0));
  std::set<std::string> values;
  for (const auto& g : all) values.insert(g.tags.begin(), g.tags.end());
  return RespondSorted("tags", values, response);
}

}  // namespace

void RegisterSearchRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  using api::Role;
  endpoint.Add("search", Role::kReader, {{Method::kGet, "/v1/search"}}, Bind(deps, &SearchV1));
  endpoint.Add(
      "search_feature_groups", Role::kReader,
      {{Method::kGet, "/search/feature-groups", true}, {Method::kPost, "/search/feature-groups", true}},
      Bind(deps, &SearchFeatureGroups));
  endpoint.Add("search_entities", Role::kReader,
               {{Method::kGet, "/search/entities", true}, {Method::kPost, "/search/entities", true}},
               Bind(deps, &SearchEntities));
  endpoint.Add("search_entity_owners", Role::kReader, {{Method::kGet, "/search/all-entity-owners", true}},
               Bind(deps, &EntityOwners));
  endpoint.Add("search_entity_tags", Role::kReader, {{Method::kGet, "/search/all-entity-tags", true}},
               Bind(deps, &EntityTags));
  endpoint.Add("search_feature_group_owners", Role::kReader,
               {{Method::kGet, "/search/all-feature-group-owners", true}}, Bind(deps, &FeatureGroupOwners));
  endpoint.Add("search_feature_group_tags", Role::kReader,
               {{Method::kGet, "/search/all-feature-group-tags", true}}, Bind(deps, &FeatureGroupTags));
}

}  // namespace ofs::admin
