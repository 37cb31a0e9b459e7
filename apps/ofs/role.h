#pragma once
// The roles of the one `ofs` binary (ARCHITECTURE.md section 1): what each serves and how it treats its
// metadata store. Each role is defined in its own file (role_standalone.cc, role_admin.cc,
// role_serve.cc); Application wires whatever a plan asks for.

#include <string_view>

namespace ofs::app {

struct RolePlan {
  std::string_view name;         // the subcommand
  std::string_view description;  // its --help line
  bool serving_api = false;      // the serving API (and the schema routes it answers) on http.port
  // The admin API: on http.admin_port beside the serving API, else on http.port.
  bool admin_api = false;
  // A serve node: starts even when its catalog cannot be loaded yet (serving requests are answered 503
  // OFS-V2-METASTORE-UNAVAILABLE-EXCEPTION until it is), and stays UP while the metadata store is down,
  // serving from its last catalog (/health says the catalog is stale, and how old it is).
  bool serves_without_metadata = false;
  // Another process (`ofs admin`) changes the catalog: a serving request naming a group the catalog lacks,
  // or asking for a newer catalog (X-OFS-Min-Catalog-Version), waits for a check of the metadata store
  // (serving/catalog_gate.h). Without it, the role's own admin API refreshes the catalog before answering.
  bool catalog_changed_elsewhere = false;
  // Runs the ingestion consumer (ingest/consumer.h) over kafka.bootstrap's tenant topics: never, when
  // kafka.bootstrap is set (standalone), or always (`ofs consume`, which then needs kafka.bootstrap).
  enum class Consumes { kNo, kWithKafka, kAlways };
  Consumes consumes = Consumes::kNo;
  // Runs populate.workers load-job workers (POST /v1/load; populate/load_worker.h) in the process.
  bool runs_loads = false;
  // Transparent huge pages for the allocator's memory (allocator.h): they pay off where point reads
  // touch a large row cache; a role that only writes turns them off for its process.
  bool huge_pages = true;
};

RolePlan StandaloneRole();
RolePlan AdminRole();
RolePlan ServeRole();
RolePlan ConsumeRole();

}  // namespace ofs::app
