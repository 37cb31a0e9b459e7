#include "admin/admin.h"

#include "admin/handlers.h"

namespace ofs::admin {

void RegisterAdminRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  RegisterEntityRoutes(endpoint, deps);
  RegisterFeatureGroupRoutes(endpoint, deps);
  RegisterSchemaRoutes(endpoint, deps);
  RegisterTenantRoutes(endpoint, deps);
  RegisterSearchRoutes(endpoint, deps);
  RegisterCatalogDumpRoutes(endpoint, deps);
  RegisterRunRoutes(endpoint, deps);
}

}  // namespace ofs::admin
