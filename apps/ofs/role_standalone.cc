// `ofs standalone`: everything in one process, the default; embedded RocksDB + SQLite under one data
// directory unless --store / --metadata name other engines. With --kafka it also consumes the tenant topics
// in process (as `ofs consume` would), and it runs load jobs (populate.workers, as `ofs populate` would).
#include "role.h"

namespace ofs::app {

RolePlan StandaloneRole() {
  return {.name = "standalone",
          .description =
              "Admin + serving APIs in one process (embedded RocksDB + SQLite under one data "
              "directory by default)",
          .serving_api = true,
          .admin_api = true,
          .consumes = RolePlan::Consumes::kWithKafka,
          .runs_loads = true};
}

}  // namespace ofs::app
