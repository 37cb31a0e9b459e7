#pragma once
// The admin API (API.md section 4) on both faces: entities, feature groups and their versions, states,
// TTLs, tenants, search, catalog dumps and ingestion run records. Every mutation goes to the
// MetadataStore, then the catalog is refreshed at once (so serving in the same process sees it on the
// next request) and, where storage changes, OnlineStore::EnsureTable prepares the tables.
// Threading: routes are registered at startup; handlers run concurrently on HTTP worker threads and
// share nothing but the (thread-safe) dependencies below.

#include "api/endpoint.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/metadata_store.h"
#include "storage/online_store.h"

namespace ofs::admin {

// Not owned; each must outlive the endpoints the routes are registered on.
struct AdminDeps {
  catalog::MetadataStore* store = nullptr;
  catalog::Catalog* catalog = nullptr;
  storage::OnlineStore* online = nullptr;
  const Clock* clock = nullptr;
};

// Every admin path of API.md section 4 on the v1 and Darwin faces (schema routes included), except the
// Kafka topic paths and /health, /metrics (wired by the application). Mutations need Role::kAdmin,
// reads Role::kReader.
void RegisterAdminRoutes(api::Endpoint& endpoint, const AdminDeps& deps);

// GET /v1/feature-group/{name}/schema?version= and GET /feature-group/schema?name=&version= (Role::kReader).
// The serving port exposes them too, for old tools.
void RegisterSchemaRoutes(api::Endpoint& endpoint, const AdminDeps& deps);

}  // namespace ofs::admin
