// `ofs serve --metadata URL --store URL --port P`: a stateless serving node of a fleet, any number behind a
// load balancer. It reads the catalog from the metadata store (refreshed every catalog.refresh_ms and at
// once on an unknown group, which the request waits for: serving/catalog_gate.h) and serves from its last
// catalog while the metadata store is down.
#include "role.h"

namespace ofs::app {

RolePlan ServeRole() {
  return {.name = "serve",
          .description =
              "A serving node of a fleet (any number): --metadata mysql://... --store "
              "cassandra://... --port P",
          .serving_api = true,
          .serves_without_metadata = true,
          .catalog_changed_elsewhere = true};
}

}  // namespace ofs::app
