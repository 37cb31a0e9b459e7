// `ofs consume --metadata URL --store URL --kafka BOOTSTRAP`: a member of the ingestion consumer group (any
// number; Kafka assigns the partitions). It takes the records of every consume tenant's topic and writes them
// straight to the online store (ingest/consumer.h), dead-lettering what cannot be applied. It serves
// /health (broker, consumer loop, assignment) and /metrics on http.port.
#include "role.h"

namespace ofs::app {

RolePlan ConsumeRole() {
  return {
      .name = "consume",
      .description =
          "A Kafka ingestion consumer (any number): --metadata mysql://... --store cassandra://... --kafka "
          "HOST:PORT; /health and /metrics on --port",
      .serves_without_metadata = true,
      .catalog_changed_elsewhere = true,
      .consumes = RolePlan::Consumes::kAlways,
      // It reads nothing through a row cache, and on huge pages its churn of fetch buffers and batches
      // made the kernel zero fresh 2 MiB pages: about 17% more CPU per row in S5 (apps/ofs/README.md).
      .huge_pages = false};
}

}  // namespace ofs::app
