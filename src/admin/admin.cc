#include "admin/admin.h"

#include "admin/handlers.h"

namespace ofs::admin {

void RegisterAdminRoutes(api::Endpoint& endpoint, const AdminDeps& shared) {
  AdminDeps deps = shared;
  if (deps.schema_lock == nullptr) deps.schema_lock = std::make_shared<std::mutex>();
  RegisterEntityRoutes(endpoint, deps);
  RegisterFeatureGroupRoutes(endpoint, deps);
  RegisterSchemaRoutes(endpoint, deps);
  RegisterTenantRoutes(endpoint, deps);
  RegisterSearchRoutes(endpoint, deps);
  RegisterCatalogDumpRoutes(endpoint, deps);
  RegisterRunRoutes(endpoint, deps);
  RegisterConsumerRoutes(endpoint, deps);
  if (deps.loads) RegisterLoadRoutes(endpoint, deps);
}

}  // namespace ofs::admin
