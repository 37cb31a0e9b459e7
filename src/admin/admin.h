#pragma once
// The admin API (API.md section 4) on both faces: entities, feature groups and their versions, states,
// TTLs, tenants, search, catalog dumps and ingestion run records. Where a mutation needs storage,
// OnlineStore::EnsureTable prepares the tables first; then the mutation is committed to the
// MetadataStore and the catalog is refreshed at once (so serving in the same process sees it on the
// next request). README.md, "Storage before metadata".
// Threading: routes are registered at startup; handlers run concurrently on the admin worker pool
// (AdminDeps::offload; on the event loop only without one) and share nothing but the (thread-safe)
// dependencies below.

#include <functional>
#include <memory>
#include <mutex>

#include "api/endpoint.h"
#include "api/offload.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/metadata_store.h"
#include "ingest/topic_admin.h"
#include "storage/online_store.h"

namespace ofs::admin {

// Not owned (but schema_lock); each must outlive the endpoints the routes are registered on.
struct AdminDeps {
  catalog::MetadataStore* store = nullptr;
  catalog::Catalog* catalog = nullptr;
  storage::OnlineStore* online = nullptr;
  const Clock* clock = nullptr;
  // Serializes this process's schema changes (schema_change.h). RegisterAdminRoutes creates one when it
  // is null; share one between endpoints that both register changes.
  std::shared_ptr<std::mutex> schema_lock;
  // Where the handlers run: on this worker pool, off the event loop (api/offload.h), since every one of
  // them calls the metadata store and some the online store's schema; inline when the pool is null.
  api::Offloader offload;
  // Kafka's topic operations for /consumer/* and /kafka/* (topic_admin.h); null without Kafka.
  ingest::TopicAdmin* topics = nullptr;
  std::string topic_prefix;  // kafka.topic_prefix (catalog::Snapshot::TopicOfTenant)
  // Bulk load jobs (/v1/load): registered when workers can run them (a build with Delta support).
  bool loads = false;
  // Called after a load job is recorded (wakes this process's load worker); may be empty.
  std::function<void()> load_created;
};

// Every admin path of API.md section 4 on the v1 and Darwin faces (schema routes included; Darwin's
// /consumer/* and /kafka/* through deps.topics), except /health, /metrics (wired by the application).
// Mutations need Role::kAdmin, reads Role::kReader.
void RegisterAdminRoutes(api::Endpoint& endpoint, const AdminDeps& deps);

// GET /v1/feature-group/{name}/schema?version= and GET /feature-group/schema?name=&version= (Role::kReader).
// The serving port exposes them too, for old tools.
void RegisterSchemaRoutes(api::Endpoint& endpoint, const AdminDeps& deps);

}  // namespace ofs::admin
