#pragma once
// Offload: runs an ApiHandler on a WorkerPool instead of the event loop, for handlers that may block on
// a remote engine (the admin handlers: metadata store and schema changes). The wrapped handler
// suspends the request (Request::Suspend), queues a job, and returns; the job runs the handler into
// its own Response on a pool thread and resumes the request with a continuation that moves that
// Response into the connection's (http/resumer.h). The request's metrics and error counts are the
// endpoint's, taken when it is resumed.
//
// Contracts:
// - The job owns a copy of everything the handler reads (method, path, query, body with its padding,
//   headers, request id, path parameters): it never reads connection memory, which the server reuses
//   once the request's suspended deadline passes while the job still waits or runs. The principal is
//   the Authenticator's and outlives the servers.
// - The handler sees a Request that cannot suspend (suspender null): it must finish its work itself.
// - Where the request cannot be suspended at all (no Suspender: handlers called directly, in tests),
//   the handler runs inline on the caller's thread. At the loop's cap of suspended requests, or with
//   the pool's queue full, the answer is 503 OVERLOADED at once.
// - A job still queued at `max_queue_wait` after it was queued (its request has been answered 503
//   STORE-UNAVAILABLE by the server's suspended deadline by then, when that is the deadline) is
//   dropped without running: a client that was told "unavailable" does not see the change happen
//   later, at least not for want of a thread. A job already running completes (its late answer is
//   dropped by the server); its outcome is what the store says afterwards.

#include <chrono>

#include "api/endpoint.h"
#include "base/worker_pool.h"

namespace ofs::api {

struct Offloader {
  WorkerPool* pool = nullptr;  // not owned; outlives the endpoints the handlers are registered on
  // Set it to the server's suspended_timeout_ms (see above).
  std::chrono::milliseconds max_queue_wait{5'000};
};

// `handler` run on `offloader.pool` (see above); `handler` itself when the pool is null.
ApiHandler Offload(const Offloader& offloader, ApiHandler handler);

}  // namespace ofs::api
