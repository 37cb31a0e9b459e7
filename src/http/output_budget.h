#pragma once
// OutputBudget: the bound on response bytes that connections hold because their peers do not read them
// (ServerOptions::max_buffered_output_bytes). Without it every connection may hold one response of any
// size (a multi-read answer of tens of MiB) on top of its own 1 MiB high-water mark, so memory grows with
// the number of connections that stop reading.
//
// What counts: a connection's output buffer (its capacity: the memory it pins) while its socket refuses
// more bytes. Responses sent as they are queued, or at the end of the loop's batch, are never counted:
// the common case costs no atomic operation. What it does: a connection asks `Admits` before it serves a
// request; past three quarters of the limit, connections that hold output wait; past the limit, all
// wait (EventLoop resumes them as the budget frees up). The limit is checked before a request is served
// and a response is queued whole, so the total can exceed it by one response per event-loop thread.
// Waiting connections are bounded in time by the write timeout of those holding the budget.
//
// Thread-safe: shared by every loop of a server. One per server, not per process: a flood of
// non-readers on the serving port then never holds up the admin port (its /metrics and /health stay
// reachable), at the price of a process-wide bound of one budget per server.

#include <atomic>
#include <cstddef>

namespace ofs::http {

class OutputBudget {
 public:
  explicit OutputBudget(size_t limit_bytes) : limit_(limit_bytes), soft_limit_(limit_bytes / 4 * 3) {}
  OutputBudget(const OutputBudget&) = delete;
  OutputBudget& operator=(const OutputBudget&) = delete;

  size_t limit() const { return limit_; }
  // Bytes held across all connections that use this budget.
  size_t held() const { return held_.load(std::memory_order_relaxed); }
  // Whether a connection may serve another request now. One holding output (`holds_output`) yields
  // first, at three quarters of the limit, so that connections whose peers read keep being served
  // while those that do not read hold the budget.
  bool Admits(bool holds_output) const { return held() < (holds_output ? soft_limit_ : limit_); }

  void Add(size_t bytes) { held_.fetch_add(bytes, std::memory_order_relaxed); }
  void Release(size_t bytes) { held_.fetch_sub(bytes, std::memory_order_relaxed); }

 private:
  const size_t limit_;
  const size_t soft_limit_;
  std::atomic<size_t> held_{0};
};

}  // namespace ofs::http
