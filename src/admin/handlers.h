#pragma once
// Internal to admin: route registration per area (one .cc file each). RegisterAdminRoutes calls them all.

#include "admin/admin.h"

namespace ofs::admin {

void RegisterEntityRoutes(api::Endpoint& endpoint, const AdminDeps& deps);
void RegisterFeatureGroupRoutes(api::Endpoint& endpoint, const AdminDeps& deps);
void RegisterTenantRoutes(api::Endpoint& endpoint, const AdminDeps& deps);
void RegisterSearchRoutes(api::Endpoint& endpoint, const AdminDeps& deps);
void RegisterCatalogDumpRoutes(api::Endpoint& endpoint, const AdminDeps& deps);
void RegisterRunRoutes(api::Endpoint& endpoint, const AdminDeps& deps);
void RegisterConsumerRoutes(api::Endpoint& endpoint, const AdminDeps& deps);
void RegisterLoadRoutes(api::Endpoint& endpoint, const AdminDeps& deps);

}  // namespace ofs::admin
