#include "http/server.h"

#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>

#include "base/log.h"
#include "http/event_loop.h"
#include "http/output_budget.h"
#include "http/socket.h"

namespace ofs::http {

struct Server::Impl {
  Impl(ServerOptions o, Handler h, ErrorFormatter f, CompletionHook c)
      : options(std::move(o)),
        handler(std::move(h)),
        error_formatter(std::move(f)),
        on_complete(std::move(c)) {}

  Status Validate() const;
  Status OpenLoops();

  const ServerOptions options;
  const Handler handler;
  const ErrorFormatter error_formatter;
  const CompletionHook on_complete;
  OutputBudget budget{options.max_buffered_output_bytes};
  ServerCounters counters;
  std::atomic<uint16_t> port{0};
  std::mutex mu;  // serializes Start and Stop
  bool started = false;
  bool stopped = false;
  std::vector<std::unique_ptr<EventLoop>> loops;
  std::vector<std::thread> threads;
};

Status Server::Impl::Validate() const {
  auto invalid = [](const char* what) {
    return Status(ErrorCode::kInvalidRequest, std::string("invalid http server options: ") + what);
  };
  if (options.threads < 1) return invalid("threads must be at least 1");
  if (options.request_timeout_ms <= 0 || options.idle_timeout_ms <= 0 || options.write_timeout_ms <= 0)
    return invalid("timeouts must be positive");
  if (options.max_buffered_output_bytes == 0) return invalid("max_buffered_output_bytes must be positive");
  if (options.max_header_bytes == 0 || options.max_connections == 0) {
    return invalid("max_header_bytes and max_connections must be positive");
  }
  if (!handler || !error_formatter) return invalid("a handler and an error formatter are required");
  return Status::Ok();
}

// Binds every loop's listener before any thread starts, so that a bind failure is Start's error. With
// port 0 the first listener picks the port and the others bind to it. A fixed port is first checked to be
// free: the SO_REUSEPORT listeners would otherwise join another server's group on that port.
Status Server::Impl::OpenLoops() {
  OFS_ASSIGN_OR_RETURN(SocketAddress address, ParseBindAddress(options.bind_address, options.port));
  if (options.port != 0) OFS_RETURN_IF_ERROR(CheckAddressFree(address));
  const uint32_t instance_id = std::random_device{}();
  for (int i = 0; i < options.threads; ++i) {
    auto loop = std::make_unique<EventLoop>(i, options, handler, error_formatter, on_complete, instance_id,
                                            &budget, &counters);
    OFS_RETURN_IF_ERROR(loop->Open(address));
    if (i == 0) {
      port.store(loop->port(), std::memory_order_release);
      SetPort(&address, port.load(std::memory_order_relaxed));
    }
    loops.push_back(std::move(loop));
  }
  return Status::Ok();
}

Server::Server(ServerOptions options, Handler handler, ErrorFormatter error_formatter,
               CompletionHook on_complete)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(error_formatter),
                                   std::move(on_complete))) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started || impl_->stopped)
    return Status(ErrorCode::kInternal, "http server can be started only once");
  OFS_RETURN_IF_ERROR(impl_->Validate());
  if (Status status = impl_->OpenLoops(); !status.ok()) {
    impl_->loops.clear();
    return status;
  }
  impl_->started = true;
  for (auto& loop : impl_->loops) {
    impl_->threads.emplace_back([raw = loop.get(), index = impl_->threads.size()] {
      std::string name = "ofs-http-" + std::to_string(index);
      pthread_setname_np(pthread_self(), name.c_str());
      raw->Run();
    });
  }
  OFS_LOG_INFO("http", "listening on {}:{} with {} threads", impl_->options.bind_address, port(),
               impl_->options.threads);
  return Status::Ok();
}

void Server::Stop() {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (!impl_->started) return;
  for (auto& loop : impl_->loops) loop->Stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  impl_->loops.clear();
  OFS_LOG_INFO("http", "stopped listening on port {}", port());
}

uint16_t Server::port() const { return impl_->port.load(std::memory_order_acquire); }

size_t Server::open_connections() const {
  return impl_->counters.open_connections.load(std::memory_order_relaxed);
}

Server::OutputStats Server::output_stats() const {
  OutputStats stats;
  stats.held_bytes = impl_->budget.held();
  stats.waiting_connections = impl_->counters.output_waiting.load(std::memory_order_relaxed);
  stats.write_timeouts = impl_->counters.write_timeouts.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace ofs::http
