// Micro-benchmark of the HTTP server's per-request path on a keep-alive connection: a blocking client on
// the benchmark thread sends one request (the head an API client sends, a small JSON body) over loopback
// and reads the answer; the server (one event loop) parses it, calls a handler that appends a fixed body,
// and sends the response. Wall time includes both sides and the kernel; the server's own cost is best
// read from instruction counts:
//   valgrind --tool=callgrind --toggle-collect='ofs::http::EventLoop::Run()' <bench>
//   --benchmark_filter=Profile
// then divide the collected instructions by kProfileRequests (BM_ProfileKeepAlive runs exactly that
// many requests). Counter: allocs/op, global operator new calls per request on every thread (the
// client allocates nothing), which must stay 0 in steady state.

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include "http/server.h"

namespace {

std::atomic<int64_t> g_allocations{0};

constexpr int kProfileRequests = 20'000;

constexpr std::string_view kBody =
    R"({"featureGroupName":"bench_fg","featureColumns":["f1","f2"],"primaryKeys":{"names":["id"],"values":[[42]]}})";

std::string RequestBytes() {
  std::string r =
      "POST /v1/feature-group/read HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: python-requests/2.31.0\r\n"
      "Accept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\nX-Request-Id: bench-1\r\n"
      "Content-Type: application/json\r\nContent-Length: ";
  r += std::to_string(kBody.size());
  r += "\r\n\r\n";
  r += kBody;
  return r;
}

// One server and one connected client for the whole process.
struct Fixture {
  Fixture() {
    ofs::http::ServerOptions options;
    options.port = 0;
    options.threads = 1;
    server = new ofs::http::Server(
        options,
        [](const ofs::http::Request& request, ofs::http::Response& response) {
          response.body.append(
              R"({"data":{"featureGroupName":"bench_fg","successfulKeys":[],"failedKeys":[]},"n":)");
          response.body.append(request.body.empty() ? "0}" : "1}");
        },
        [](const ofs::Status&, ofs::http::Response& response) { response.status = 500; });
    if (!server->Start().ok()) std::abort();
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) std::abort();
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    request = RequestBytes();
    // The first answer tells the size of every answer (the handler's body and the echoed id are fixed).
    RoundTrip(0);
    response_size = last_size;
  }

  // Sends the request and reads `expect` bytes of answer (any amount up to the head's end when 0).
  void RoundTrip(size_t expect) {
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      std::abort();
    }
    size_t got = 0;
    for (;;) {
      ssize_t n = ::recv(fd, buffer + got, sizeof(buffer) - got, 0);
      if (n <= 0) std::abort();
      got += static_cast<size_t>(n);
      if (expect > 0 ? got >= expect
                     : std::string_view(buffer, got).find("\r\n\r\n") != std::string_view::npos) {
        break;
      }
    }
    if (expect == 0) {  // the first answer: its Content-Length gives the rest
      std::string_view head(buffer, got);
      const size_t at = head.find("Content-Length: ") + 16;
      const size_t length = std::strtoul(head.data() + at, nullptr, 10);
      const size_t total = head.find("\r\n\r\n") + 4 + length;
      while (got < total) {
        ssize_t n = ::recv(fd, buffer + got, sizeof(buffer) - got, 0);
        if (n <= 0) std::abort();
        got += static_cast<size_t>(n);
      }
    }
    last_size = got;
  }

  ofs::http::Server* server = nullptr;  // leaked on purpose: lives as long as the process
  int fd = -1;
  std::string request;
  size_t response_size = 0;
  size_t last_size = 0;
  char buffer[16384];
};

Fixture& TheFixture() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_KeepAliveRoundTrip(benchmark::State& state) {
  Fixture& f = TheFixture();
  for (int i = 0; i < 1000; ++i) f.RoundTrip(f.response_size);  // warm: buffers at their steady size
  const int64_t allocations = g_allocations.load();
  for (auto _ : state) f.RoundTrip(f.response_size);
  state.counters["allocs/op"] = benchmark::Counter(static_cast<double>(g_allocations.load() - allocations) /
                                                   static_cast<double>(state.iterations()));
}
BENCHMARK(BM_KeepAliveRoundTrip);

void BM_ProfileKeepAlive(benchmark::State& state) {
  Fixture& f = TheFixture();
  for (auto _ : state) {
    for (int i = 0; i < kProfileRequests; ++i) f.RoundTrip(f.response_size);
  }
}
BENCHMARK(BM_ProfileKeepAlive)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

[[gnu::noinline]] void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The library's operator delete calls free(), which matches; operator new[] and the nothrow forms call
// this operator new.
