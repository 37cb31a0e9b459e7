#pragma once
// Read-your-writes on a node whose catalog another process changes (`ofs serve` behind `ofs admin`).
// A serve node's catalog trails the metadata store by up to one refresh period. Two kinds of request must
// not see that lag:
// - a request naming a group or version its catalog lacks (a client creates a group on the admin node and
//   writes to it at once): it waits for a check of the metadata store that started after it arrived, then
//   runs again, once; a group still unknown then is answered as unknown;
// - a request with `X-OFS-Min-Catalog-Version: N` (N from the `X-OFS-Catalog-Version` header of an admin
//   answer) while the catalog is older than N: it waits for such a check, then runs; a catalog still older
//   (the metadata store is down) is answered 503 OFS-V2-METASTORE-UNAVAILABLE-EXCEPTION.
// The wait is a suspension (the event loop never blocks) bounded by the request deadline, and checks are
// shared by every request waiting (CatalogRefresher::AfterCheck, at most every catalog.miss_refresh_ms).
// Threading: the handler runs on its loop's thread; MissScope and NoteRequestMiss are per thread.

#include "api/endpoint.h"
#include "catalog/catalog.h"
#include "catalog/refresher.h"
#include "metrics/metrics.h"

namespace ofs::serving {

// Wraps a serving handler with the waits above. `refresher` and `catalog` outlive the handler.
api::ApiHandler GateOnCatalog(catalog::CatalogRefresher* refresher, const catalog::Catalog* catalog,
                              metrics::Registry* registry, api::ApiHandler inner);

// Called by group resolution when the snapshot lacks the group or version a request names.
void NoteRequestMiss();
// True while a gated request that may still wait runs and has named a group its catalog lacks: handlers
// then stop before starting any store operation (the request runs again after the check).
bool DeferringOnMiss();

}  // namespace ofs::serving
