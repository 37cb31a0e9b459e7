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
      .consumes = RolePlan::Consumes::kAlways};
}

}  // namespace ofs::app
