#include "http/server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/error_code.h"
#include "http/test_client.h"

namespace ofs::http {
namespace {

using testing::HttpResponse;
using testing::MakeRequest;
using testing::TestClient;
using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::string Gzip(std::string_view in) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Gunzip(std::string_view in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out;
  char chunk[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

std::string Pattern(size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; s.size() < n; ++i) s += "{\"k\":" + std::to_string(i) + "},";
  s.resize(n);
  return s;
}

// The test handler: a few paths with special behaviour; anything else echoes
// "<METHOD> <path>\n<query>\n<body>".
void TestHandler(const Request& req, Response& resp) {
  resp.content_type = "text/plain";
  if (req.path == "/throw") throw std::runtime_error("boom");
  if (req.path == "/big") {
    std::string n;
    req.QueryParam("n", &n);
    resp.body = Pattern(std::stoul(n));
    return;
  }
  if (req.path == "/param") {
    std::string name;
    std::string value;
    req.QueryParam("name", &name);
    resp.body = req.QueryParam(name, &value) ? value : "<absent>";
    return;
  }
  if (req.path == "/header") {
    std::string name;
    req.QueryParam("name", &name);
    resp.body = std::string(req.Header(name));
    return;
  }
  if (req.path == "/id") {
    resp.body = std::string(req.request_id);
    return;
  }
  if (req.path == "/len") {
    bool padded = true;
    for (size_t i = 0; i < kBodyPadding; ++i) padded = padded && req.body.data()[req.body.size() + i] == '\0';
    resp.body = std::to_string(req.body.size()) + (padded ? " padded" : " unpadded");
    return;
  }
  if (req.path == "/status") {
    resp.status = 201;
    resp.headers.emplace_back("X-Extra", "yes");
  }
  resp.body = std::string(MethodName(req.method)) + " " + std::string(req.path) + "\n" +
              std::string(req.query) + "\n" + std::string(req.body);
}

void TestFormatter(const Status& status, Response& resp) {
  resp.status = ErrorCodeHttpStatus(status.code());
  resp.content_type = "text/plain";
  resp.body = std::string(ErrorCodeName(status.code())) + ": " + std::string(status.message());
}

class ServerTest : public ::testing::Test {
 protected:
  static ServerOptions DefaultOptions() {
    ServerOptions options;
    options.port = 0;
    options.threads = 2;
    return options;
  }

  void Start(const ServerOptions& options = DefaultOptions()) {
    server_ = std::make_unique<Server>(options, TestHandler, TestFormatter,
                                       [this](const Request&, const Response& resp, int64_t nanos) {
                                         completions_.fetch_add(1);
                                         last_status_.store(resp.status);
                                         if (nanos < 0) negative_nanos_.store(true);
                                       });
    Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_NE(server_->port(), 0);
  }

  // Sends `request` on a fresh connection and reads one response.
  HttpResponse RoundTrip(const std::string& request) {
    TestClient client(server_->port());
    EXPECT_TRUE(client.connected());
    EXPECT_TRUE(client.Send(request));
    HttpResponse resp;
    EXPECT_TRUE(client.ReadResponse(&resp));
    return resp;
  }

  // Polls `predicate` for up to one second.
  template <typename Predicate>
  static bool Eventually(Predicate predicate) {
    auto start = Clock::now();
    while (MillisSince(start) < 1000) {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return predicate();
  }

  std::unique_ptr<Server> server_;
  std::atomic<int> completions_{0};
  std::atomic<int> last_status_{0};
  std::atomic<bool> negative_nanos_{false};
};

TEST_F(ServerTest, SimpleGet) {
  Start();
  HttpResponse resp = RoundTrip(MakeRequest("GET", "/hello?x=1"));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "GET /hello\nx=1\n");
  EXPECT_EQ(resp.Header("content-type"), "text/plain");
  EXPECT_FALSE(resp.Header("x-request-id").empty());
  EXPECT_FALSE(resp.Has("connection"));
  EXPECT_TRUE(Eventually([&] { return completions_.load() == 1; }));
  EXPECT_EQ(last_status_.load(), 200);
  EXPECT_FALSE(negative_nanos_.load());
}

// after_batch runs on the worker thread once the batch that handled a request is done.
TEST_F(ServerTest, AfterBatchRunsOnTheWorkerAfterTheBatchsRequests) {
  ServerOptions options = DefaultOptions();
  std::atomic<int> completions_seen{0};
  std::atomic<bool> on_test_thread{false};
  const std::thread::id test_thread = std::this_thread::get_id();
  options.after_batch = [&] {
    completions_seen.store(std::max(completions_seen.load(), completions_.load()));
    if (std::this_thread::get_id() == test_thread) on_test_thread.store(true);
  };
  Start(options);
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/a")).status, 200);
  EXPECT_TRUE(Eventually([&] { return completions_seen.load() == 1; }));
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/b")).status, 200);
  EXPECT_TRUE(Eventually([&] { return completions_seen.load() == 2; }));
  EXPECT_FALSE(on_test_thread.load());
  server_.reset();  // joins the workers before the hook's captures go out of scope
}

TEST_F(ServerTest, PostAndGetWithBody) {
  Start();
  EXPECT_EQ(RoundTrip(MakeRequest("POST", "/p", "{\"a\":1}")).body, "POST /p\n\n{\"a\":1}");
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/g", "{\"b\":2}")).body, "GET /g\n\n{\"b\":2}");
}

TEST_F(ServerTest, StatusAndExtraHeaders) {
  Start();
  HttpResponse resp = RoundTrip(MakeRequest("PUT", "/status"));
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.Header("x-extra"), "yes");
}

TEST_F(ServerTest, BodyIsFollowedByZeroPadding) {
  Start();
  EXPECT_EQ(RoundTrip(MakeRequest("POST", "/len", std::string(1000, 'a'))).body, "1000 padded");
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/len")).body, "0 padded");
}

TEST_F(ServerTest, KeepAliveServesManySequentialRequests) {
  Start();
  TestClient client(server_->port());
  for (int i = 0; i < 100; ++i) {
    std::string body = "n=" + std::to_string(i);
    ASSERT_TRUE(client.Send(MakeRequest("POST", "/k", body)));
    HttpResponse resp;
    ASSERT_TRUE(client.ReadResponse(&resp)) << i;
    EXPECT_EQ(resp.body, "POST /k\n\n" + body);
  }
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/one") + MakeRequest("POST", "/two", "2") +
                          MakeRequest("GET", "/three")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "GET /one\n\n");
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "POST /two\n\n2");
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "GET /three\n\n");
}

// Requests of every framing (Content-Length, chunked, no body, HTTP/1.0) pipelined on one connection
// are answered in order, and each starts cleanly after the one before.
TEST_F(ServerTest, PipelinedRequestsOfEveryFramingAreAnsweredInOrder) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(
      client.Send(MakeRequest("GET", "/one?a=1") +
                  "POST /two HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
                  MakeRequest("POST", "/three", "3") + "GET /four HTTP/1.1\r\nX: tab\there\r\n\r\n" +
                  "POST /five HTTP/1.0\r\nContent-Length: 4\r\n\r\nlast"));
  const char* expected[] = {"GET /one\na=1\n", "POST /two\n\nabc", "POST /three\n\n3", "GET /four\n\n",
                            "POST /five\n\nlast"};
  for (const char* body : expected) {
    HttpResponse resp;
    ASSERT_TRUE(client.ReadResponse(&resp)) << body;
    EXPECT_EQ(resp.status, 200);
    EXPECT_EQ(resp.body, body);
  }
  EXPECT_TRUE(client.WaitClosed(1000));  // HTTP/1.0 without keep-alive: closed after the last answer
}

// A Content-Length over the limit is answered 413 from the head, and the connection closes.
TEST_F(ServerTest, HeadOverTheBodyLimitIs413) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 1024;
  Start(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /big HTTP/1.1\r\nContent-Length: 2048\r\n\r\n" + std::string(2048, 'b')));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 413);
  EXPECT_TRUE(client.WaitClosed(2000));
}

TEST_F(ServerTest, RequestSplitAcrossWrites) {
  Start();
  TestClient client(server_->port());
  std::string request = MakeRequest("POST", "/split?q=1", "0123456789", "X-Long-Header: abcdefghij\r\n");
  for (size_t i = 0; i < request.size(); i += 7) {
    ASSERT_TRUE(client.Send(request.substr(i, 7)));
    if (i % 35 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "POST /split\nq=1\n0123456789");
}

TEST_F(ServerTest, PipelinedLargeResponsesUnderBackpressure) {
  Start();
  TestClient client(server_->port(), 5000);
  std::string batch;
  for (int i = 0; i < 40; ++i) batch += MakeRequest("GET", "/big?n=" + std::to_string(100'000 + i));
  ASSERT_TRUE(client.Send(batch));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the server hit its high-water mark
  for (int i = 0; i < 40; ++i) {
    HttpResponse resp;
    ASSERT_TRUE(client.ReadResponse(&resp)) << i;
    EXPECT_EQ(resp.body.size(), 100'000u + static_cast<size_t>(i));
  }
}

TEST_F(ServerTest, LargeRequestBody) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 4 << 20;
  Start(options);
  HttpResponse resp = RoundTrip(MakeRequest("POST", "/len", std::string(3 << 20, 'z')));
  EXPECT_EQ(resp.body, std::to_string(3 << 20) + " padded");
}

TEST_F(ServerTest, ChunkedRequestBody) {
  Start();
  HttpResponse resp = RoundTrip(
      "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
      "world\r\n0\r\n\r\n");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "POST /c\n\nhello world");
}

TEST_F(ServerTest, GzipRequestBodyIsInflated) {
  Start();
  std::string body = Pattern(50'000);
  HttpResponse resp = RoundTrip(MakeRequest("POST", "/g", Gzip(body), "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "POST /g\n\n" + body);
}

TEST_F(ServerTest, MalformedGzipBodyIs400) {
  Start();
  HttpResponse resp =
      RoundTrip(MakeRequest("POST", "/g", "definitely not gzip", "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(resp.status, 400);
}

TEST_F(ServerTest, UnsupportedContentEncodingIs415) {
  Start();
  HttpResponse resp = RoundTrip(MakeRequest("POST", "/g", "xx", "Content-Encoding: br\r\n"));
  EXPECT_EQ(resp.status, 415);
  EXPECT_NE(resp.body.find("INVALID"), std::string::npos) << resp.body;
}

TEST_F(ServerTest, GzipResponseWhenAcceptedAndLarge) {
  Start();
  HttpResponse resp = RoundTrip(MakeRequest("GET", "/big?n=20000", {}, "Accept-Encoding: deflate, gzip\r\n"));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.Header("content-encoding"), "gzip");
  EXPECT_EQ(resp.Header("vary"), "Accept-Encoding");
  EXPECT_LT(resp.body.size(), 20000u);
  EXPECT_EQ(Gunzip(resp.body), Pattern(20000));
}

TEST_F(ServerTest, NoGzipWhenSmallOrNotAccepted) {
  Start();
  HttpResponse small = RoundTrip(MakeRequest("GET", "/big?n=100", {}, "Accept-Encoding: gzip\r\n"));
  EXPECT_FALSE(small.Has("content-encoding"));
  EXPECT_EQ(small.body, Pattern(100));
  HttpResponse refused = RoundTrip(MakeRequest("GET", "/big?n=20000", {}, "Accept-Encoding: gzip;q=0\r\n"));
  EXPECT_FALSE(refused.Has("content-encoding"));
  HttpResponse absent = RoundTrip(MakeRequest("GET", "/big?n=20000"));
  EXPECT_FALSE(absent.Has("content-encoding"));
  EXPECT_EQ(absent.body, Pattern(20000));
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("HEAD", "/big?n=123") + MakeRequest("GET", "/after")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp, /*head_request=*/true));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.Header("content-length"), "123");
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "GET /after\n\n");
}

TEST_F(ServerTest, ContentLengthOverLimitIs413WithoutReadingBody) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 1 << 20;
  Start(options);
  TestClient client(server_->port());
  auto start = Clock::now();
  ASSERT_TRUE(client.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\nfirst bytes"));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 413);
  EXPECT_EQ(resp.Header("connection"), "close");
  EXPECT_NE(resp.body.find("PAYLOAD"), std::string::npos) << resp.body;
  EXPECT_LT(MillisSince(start), 500);
  EXPECT_TRUE(client.WaitClosed(1000));
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 1000;
  Start(options);
  std::string chunk(800, 'a');
  HttpResponse resp = RoundTrip("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" +
                                chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(resp.status, 413);
}

TEST_F(ServerTest, GzipBombIs413) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 64 << 10;
  Start(options);
  std::string bomb = Gzip(std::string(10 << 20, '\0'));
  ASSERT_LT(bomb.size(), 64u << 10);
  HttpResponse resp = RoundTrip(MakeRequest("POST", "/x", bomb, "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(resp.status, 413);
}

TEST_F(ServerTest, HugeHeadersAre431AndClose) {
  ServerOptions options = DefaultOptions();
  options.max_header_bytes = 1024;
  Start(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/", {}, "X-Big: " + std::string(4096, 'h') + "\r\n")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 431);
  EXPECT_TRUE(client.WaitClosed(1000));
}

// Large max_header_bytes take effect (http_parser, used before, had a limit of its own at 80 KiB): a
// 150 KiB head is served under a 200 KiB limit and a 250 KiB one is 431.
TEST_F(ServerTest, LargeHeaderLimitsApply) {
  ServerOptions options = DefaultOptions();
  options.max_header_bytes = 200 << 10;
  Start(options);
  {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/", {}, "X-Big: " + std::string(150 << 10, 'h') + "\r\n")));
    HttpResponse resp;
    ASSERT_TRUE(client.ReadResponse(&resp));
    EXPECT_EQ(resp.status, 200);
  }
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/", {}, "X-Big: " + std::string(250 << 10, 'h') + "\r\n")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 431);
  EXPECT_NE(resp.body.find("exceeds the limit of 204800 bytes"), std::string::npos) << resp.body;
}

TEST_F(ServerTest, MalformedRequestIs400AndClose) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("THIS IS NOT HTTP\r\n\r\n"));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 400);
  EXPECT_FALSE(resp.Header("x-request-id").empty());
  EXPECT_TRUE(client.WaitClosed(1000));
}

// ---- Strict HTTP/1.1 framing (RFC 9112): what a proxy in front could read differently is refused ----

// Sends `request` followed by a request that must never be answered (a smuggled one, were the first
// framed differently), and expects one answer with `status` naming `cause`, then the close.
void ExpectRefused(uint16_t port, const std::string& request, int status, std::string_view cause) {
  TestClient client(port);
  ASSERT_TRUE(client.Send(request + MakeRequest("GET", "/smuggled")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp)) << request;
  EXPECT_EQ(resp.status, status) << request << " -> " << resp.body;
  EXPECT_NE(resp.body.find(cause), std::string::npos) << request << " -> " << resp.body;
  EXPECT_EQ(resp.Header("connection"), "close") << request;
  EXPECT_TRUE(client.WaitClosed(2000)) << request;
  EXPECT_EQ(client.pending().find("HTTP/1.1"), std::string::npos)
      << request << ": the next request was answered";
}

TEST_F(ServerTest, WhitespaceBetweenAHeaderNameAndItsColonIs400) {
  Start();
  ExpectRefused(server_->port(),
                "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400,
                "whitespace between a header name and its colon");
  ExpectRefused(server_->port(), "GET /x HTTP/1.1\r\nHost\t: t\r\n\r\n", 400, "whitespace between");
}

TEST_F(ServerTest, ObsoleteLineFoldingIs400) {
  Start();
  ExpectRefused(server_->port(), "GET /x HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\n\r\n", 400,
                "obsolete line folding");
  ExpectRefused(server_->port(), "GET /x HTTP/1.1\r\n\tHost: t\r\n\r\n", 400, "obsolete line folding");
}

TEST_F(ServerTest, VersionsOtherThanHttp10And11Are505) {
  Start();
  for (const char* version : {"9.9", "1.2", "2.0", "0.9"}) {
    ExpectRefused(server_->port(), "GET /x HTTP/" + std::string(version) + "\r\nHost: t\r\n\r\n", 505,
                  "not supported (only HTTP/1.0 and HTTP/1.1)");
  }
  ExpectRefused(server_->port(), "GET /x HTTP/1.10\r\nHost: t\r\n\r\n", 400, "request line");
}

TEST_F(ServerTest, TransferCodingsOtherThanAFinalChunkedAreRefused) {
  Start();
  const std::string post = "POST /x HTTP/1.1\r\nHost: t\r\n";
  // A coding the server does not implement before chunked: 501 (RFC 9112 section 6.1).
  ExpectRefused(server_->port(), post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501,
                "transfer coding 'gzip' not implemented");
  ExpectRefused(server_->port(),
                post + "Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501,
                "not implemented");
  // chunked not final, or twice: the length cannot be determined, 400 (section 6.3).
  ExpectRefused(server_->port(), post + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400,
                "final transfer coding");
  ExpectRefused(server_->port(), post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400,
                "applied once");
  // Transfer-Encoding in HTTP/1.0 (section 6.1: faulty framing).
  ExpectRefused(server_->port(), "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
                "HTTP/1.0");
}

// Refused by http_parser already; kept refused (RFC 9112 section 6.3: a smuggling vector).
TEST_F(ServerTest, ConflictingLengthsAre400) {
  Start();
  const std::string post = "POST /x HTTP/1.1\r\nHost: t\r\n";
  ExpectRefused(server_->port(), post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400, "both Transfer-Encoding and Content-Length");
  ExpectRefused(server_->port(), post + "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400,
                "more than one Content-Length");
  ExpectRefused(server_->port(), post + "Content-Length: 0\r\nContent-Length: 5\r\n\r\nxxxxx", 400,
                "more than one Content-Length");
}

TEST_F(ServerTest, MalformedChunkFramingIs400) {
  Start();
  const std::string head = "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  ExpectRefused(server_->port(), head + "1\r\naXY0\r\n\r\n", 400, "chunk data not followed by CRLF");
  ExpectRefused(server_->port(), head + "3 \r\nabc\r\n0\r\n\r\n", 400, "invalid chunk-size line");
  ExpectRefused(server_->port(), head + "3;\x01\r\nabc\r\n0\r\n\r\n", 400, "invalid chunk-size line");
  ExpectRefused(server_->port(), head + "3\nabc\r\n0\r\n\r\n", 400, "bare LF");
  ExpectRefused(server_->port(), head + "0\r\nX-T: a\r\n b\r\n\r\n", 400, "trailer line");
  ExpectRefused(server_->port(), head + "0\r\nX-T : a\r\n\r\n", 400, "trailer line");
}

TEST_F(ServerTest, BareLineEndsInTheHeadAre400) {
  Start();
  ExpectRefused(server_->port(), "GET /x HTTP/1.1\nHost: t\n\n", 400, "bare LF");
  ExpectRefused(server_->port(), "GET /x HTTP/1.1\r\nHost: t\nX: y\r\n\r\n", 400, "bare LF");
  ExpectRefused(server_->port(), "GET /x HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", 400, "control character");
}

TEST_F(ServerTest, ChunkedBodyWithExtensionsAndTrailersIsServed) {
  Start();
  HttpResponse resp = RoundTrip(
      "\r\nPOST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n5;a=b ;c=\"d e\"\r\nhello\r\n"
      "0;last\r\nX-Checksum: 1\r\n\r\n");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "POST /c\n\nhello");
}

TEST_F(ServerTest, SlowClientGets408WhileOthersAreServed) {
  ServerOptions options = DefaultOptions();
  options.request_timeout_ms = 300;
  Start(options);
  auto start = Clock::now();
  TestClient slow(server_->port());
  ASSERT_TRUE(slow.Send("GET /slow HTTP/1.1\r\nHost: t\r\nX-Half: "));
  for (int i = 0; i < 4; ++i) {  // other clients on both loops are served meanwhile
    HttpResponse other = RoundTrip(MakeRequest("GET", "/fast"));
    EXPECT_EQ(other.status, 200);
  }
  EXPECT_LT(MillisSince(start), 250);
  HttpResponse resp;
  ASSERT_TRUE(slow.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 408);
  int64_t elapsed = MillisSince(start);
  EXPECT_GE(elapsed, 280);
  EXPECT_LT(elapsed, 900);
  EXPECT_TRUE(slow.WaitClosed(1000));
}

TEST_F(ServerTest, SlowBodyGets408) {
  ServerOptions options = DefaultOptions();
  options.request_timeout_ms = 200;
  Start(options);
  TestClient client(server_->port());
  auto start = Clock::now();
  ASSERT_TRUE(client.Send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly ten.."));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 408);
  EXPECT_GE(MillisSince(start), 180);
  EXPECT_TRUE(client.WaitClosed(1000));
  client.Close();  // the server lingers until the client's FIN (or 1 s), then releases the connection
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedSilently) {
  ServerOptions options = DefaultOptions();
  options.idle_timeout_ms = 200;
  Start(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  auto start = Clock::now();
  EXPECT_TRUE(client.WaitClosed(1000));
  EXPECT_GE(MillisSince(start), 150);
  EXPECT_TRUE(client.pending().empty()) << client.pending();
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == 0; }));
}

// A forked child holds a copy of every descriptor, so the server's close(2) leaves the socket open and,
// unless the loop deregistered it, in the epoll set: input arriving afterwards would be reported for a
// connection already deleted (a use-after-free the sanitized build reports; a plain build may not notice).
TEST_F(ServerTest, ClosedConnectionStaysClosedWhileAForkedChildHoldsItsSocket) {
  ServerOptions options = DefaultOptions();
  options.idle_timeout_ms = 100;
  Start(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  int release[2];
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // only async-signal-safe calls: wait until the parent closes its end
    ::close(release[1]);
    char byte;
    while (::read(release[0], &byte, 1) < 0) {
    }
    ::_exit(0);
  }
  ::close(release[0]);
  struct ChildGuard {  // the child (and its copies of the sockets) ends with the test, however it ends
    int release;
    pid_t child;
    ~ChildGuard() {
      ::close(release);
      int status = 0;
      ::waitpid(child, &status, 0);
    }
  } guard{release[1], child};
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == 0; }));  // the idle timeout closed it
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));  // reaches the socket the child still holds
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/")).status, 200);  // the loop still serves
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(ServerTest, RequestIdEchoedOrGenerated) {
  Start();
  HttpResponse echoed = RoundTrip(MakeRequest("GET", "/id", {}, "X-Request-Id: abc-123\r\n"));
  EXPECT_EQ(echoed.Header("x-request-id"), "abc-123");
  EXPECT_EQ(echoed.body, "abc-123");
  HttpResponse a = RoundTrip(MakeRequest("GET", "/id"));
  HttpResponse b = RoundTrip(MakeRequest("GET", "/id"));
  EXPECT_FALSE(a.body.empty());
  EXPECT_EQ(a.Header("x-request-id"), a.body);
  EXPECT_NE(a.body, b.body);
  HttpResponse unusable =
      RoundTrip(MakeRequest("GET", "/id", {}, "X-Request-Id: " + std::string(300, 'r') + "\r\n"));
  EXPECT_EQ(unusable.body.find('r'), std::string::npos) << "an oversized id is replaced";
}

TEST_F(ServerTest, Expect100Continue) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(
      client.Send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 100);
  ASSERT_TRUE(client.Send("hello"));
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "POST /e\n\nhello");
}

TEST_F(ServerTest, ConnectionCloseHonoured) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/bye", {}, "Connection: close\r\n")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.Header("connection"), "close");
  EXPECT_TRUE(client.WaitClosed(1000));
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAlive) {
  Start();
  {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send("GET /old HTTP/1.0\r\n\r\n"));
    HttpResponse resp;
    ASSERT_TRUE(client.ReadResponse(&resp));
    EXPECT_EQ(resp.body, "GET /old\n\n");
    EXPECT_EQ(resp.Header("connection"), "close");
    EXPECT_TRUE(client.WaitClosed(1000));
  }
  TestClient client(server_->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    HttpResponse resp;
    ASSERT_TRUE(client.ReadResponse(&resp)) << i;
    EXPECT_EQ(resp.Header("connection"), "keep-alive");
  }
}

TEST_F(ServerTest, QueryParametersAreDecoded) {
  Start();
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/param?name=a%20b&a+b=x%2By+z")).body, "x+y z");
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/param?name=missing")).body, "<absent>");
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/param?name=empty&empty")).body, "");
}

TEST_F(ServerTest, PathIsPercentDecodedAndHeadersLowerCased) {
  Start();
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/a%20b/c%2Fd?k=%20")).body, "GET /a b/c/d\nk=%20\n");
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/header?name=x-mixed-case", {}, "X-MiXeD-Case: Value  \r\n")).body,
            "Value");
  EXPECT_EQ(RoundTrip("GET http://example.com/abs?q=1 HTTP/1.1\r\nHost: t\r\n\r\n").body, "GET /abs\nq=1\n");
}

TEST_F(ServerTest, ThrowingHandlerGets500AndServerKeepsServing) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/throw")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 500);
  EXPECT_EQ(resp.body, std::string(ErrorCodeName(ErrorCode::kInternal)) + ": internal error");
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/still")));
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(RoundTrip(MakeRequest("GET", "/again")).status, 200);
}

TEST_F(ServerTest, MaxConnectionsRefusesWith503) {
  ServerOptions options = DefaultOptions();
  options.max_connections = 2;
  Start(options);
  TestClient a(server_->port());
  TestClient b(server_->port());
  ASSERT_TRUE(Eventually([&] { return server_->open_connections() == 2; }));
  TestClient c(server_->port());
  HttpResponse resp;
  ASSERT_TRUE(c.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 503);
  EXPECT_TRUE(c.WaitClosed(1000));
  ASSERT_TRUE(a.Send(MakeRequest("GET", "/ok")));
  ASSERT_TRUE(a.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
}

TEST_F(ServerTest, StopWithOpenConnectionsIsPrompt) {
  Start();
  std::vector<std::unique_ptr<TestClient>> clients;
  clients.reserve(10);
  for (int i = 0; i < 10; ++i) clients.push_back(std::make_unique<TestClient>(server_->port()));
  ASSERT_TRUE(clients[0]->Send("POST /half HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc"));
  ASSERT_TRUE(Eventually([&] { return server_->open_connections() == 10; }));
  auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(MillisSince(start), 500);
  EXPECT_EQ(server_->open_connections(), 0u);
  for (auto& client : clients) EXPECT_TRUE(client->WaitClosed(1000));
  server_->Stop();  // idempotent
  EXPECT_FALSE(server_->Start().ok());
}

TEST_F(ServerTest, ManyConcurrentConnections) {
  Start();
  constexpr int kClients = 200;
  std::vector<std::unique_ptr<TestClient>> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<TestClient>(server_->port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == kClients; }));
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(clients[i]->Send(MakeRequest("POST", "/c", std::to_string(i))));
  }
  for (int i = 0; i < kClients; ++i) {
    HttpResponse resp;
    ASSERT_TRUE(clients[i]->ReadResponse(&resp)) << i;
    EXPECT_EQ(resp.body, "POST /c\n\n" + std::to_string(i));
  }
}

TEST_F(ServerTest, ConcurrentClientsOnThreads) {
  Start();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      TestClient client(server_->port());
      for (int i = 0; i < 50; ++i) {
        std::string body = std::to_string(t) + ":" + std::to_string(i);
        HttpResponse resp;
        if (client.Send(MakeRequest("POST", "/t", body)) && client.ReadResponse(&resp) &&
            resp.body == "POST /t\n\n" + body) {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST_F(ServerTest, PeerHalfCloseStillGetsResponses) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/one") + MakeRequest("GET", "/two")));
  ::shutdown(client.fd(), SHUT_WR);
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "GET /one\n\n");
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "GET /two\n\n");
  EXPECT_TRUE(client.WaitClosed(1000));
}

// Deferred output (ServerOptions::deferred_output_bytes and _responses): two requests that arrive while
// the loop is busy are handled in one batch; the second handler looks at the first client's socket to
// see whether the first response was sent before the batch ended. Returns what it saw, or nullopt when
// the two requests were not handled in one batch (the kernel may deliver or accept late under load).
std::optional<bool> FirstResponseSentWithinOneBatch(size_t deferred_output_bytes,
                                                    size_t deferred_output_responses, bool expect_sent) {
  struct Probe {
    int batch;
    bool other_answered;
  };
  std::atomic<bool> gate_entered{false};
  std::atomic<bool> gate_open{false};
  std::atomic<int> batches{0};  // after_batch runs on the loop thread after each batch
  std::atomic<int> client_fds[2] = {-1, -1};
  std::mutex mu;
  std::vector<Probe> probes;  // in the order they were handled
  ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.deferred_output_bytes = deferred_output_bytes;
  options.deferred_output_responses = deferred_output_responses;
  options.after_batch = [&] { batches.fetch_add(1); };
  Server server(
      options,
      [&](const Request& req, Response& resp) {
        resp.content_type = "text/plain";
        resp.body = std::string(req.path);
        if (req.path == "/gate") {
          gate_entered.store(true);
          while (!gate_open.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        } else if (req.path == "/probe/0" || req.path == "/probe/1") {
          std::lock_guard<std::mutex> lock(mu);
          bool answered = false;
          if (!probes.empty()) {  // the second: was the first one's answer sent?
            // Loopback may deliver a sent response a moment later (softirq): wait for one that is
            // expected. A response the loop holds cannot arrive meanwhile: the loop is running here.
            pollfd p{client_fds[req.path == "/probe/0" ? 1 : 0].load(), POLLIN, 0};
            answered = ::poll(&p, 1, expect_sent ? 2000 : 20) == 1;
          }
          probes.push_back({batches.load(), answered});
        }
      },
      TestFormatter);
  EXPECT_TRUE(server.Start().ok());
  TestClient gate(server.port());
  TestClient first(server.port());
  TestClient second(server.port());
  client_fds[0].store(first.fd());
  client_fds[1].store(second.fd());
  EXPECT_TRUE(gate.Send(MakeRequest("GET", "/gate")));
  while (!gate_entered.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The loop is inside /gate's handler: both probes wait in their sockets for the next batch.
  EXPECT_TRUE(first.Send(MakeRequest("GET", "/probe/0")));
  EXPECT_TRUE(second.Send(MakeRequest("GET", "/probe/1")));
  gate_open.store(true);
  // Read nothing before both probes looked: reading would take the response they look for.
  for (int waited_ms = 0; waited_ms < 5000; ++waited_ms) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (probes.size() == 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  HttpResponse resp;
  EXPECT_TRUE(gate.ReadResponse(&resp));
  EXPECT_TRUE(first.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "/probe/0");
  EXPECT_TRUE(second.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "/probe/1");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(probes.size(), 2u);
  if (probes.size() != 2 || probes[0].batch != probes[1].batch) return std::nullopt;
  return probes[1].other_answered;
}

// Runs the probe until both requests share a batch (nearly always the first time).
bool FirstResponseSentWithinTheBatch(size_t deferred_output_bytes, size_t deferred_output_responses,
                                     bool expect_sent) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::optional<bool> sent =
        FirstResponseSentWithinOneBatch(deferred_output_bytes, deferred_output_responses, expect_sent);
    if (sent.has_value()) return *sent;
  }
  ADD_FAILURE() << "the two requests never shared a batch";
  return expect_sent;
}

TEST(DeferredOutputTest, ResponsesOfABatchAreSentAtItsEnd) {
  const ServerOptions defaults;
  EXPECT_FALSE(FirstResponseSentWithinTheBatch(defaults.deferred_output_bytes,
                                               defaults.deferred_output_responses, /*expect_sent=*/false));
}

TEST(DeferredOutputTest, ZeroSendsEachResponseAtOnce) {
  EXPECT_TRUE(FirstResponseSentWithinTheBatch(0, 16, /*expect_sent=*/true));
  EXPECT_TRUE(FirstResponseSentWithinTheBatch(size_t{64} << 10, 0, /*expect_sent=*/true));
}

TEST(DeferredOutputTest, ResponsesReachingABoundAreSentAtOnce) {
  EXPECT_TRUE(FirstResponseSentWithinTheBatch(1, 16, /*expect_sent=*/true));  // over a 1-byte bound
  EXPECT_TRUE(FirstResponseSentWithinTheBatch(size_t{64} << 10, 1, /*expect_sent=*/true));  // one listed
}

// ---- The output budget (max_buffered_output_bytes) and the write timeout ----

// A client that asks for a large answer and never reads it. Its receive buffer is made small before it
// connects, so that the kernel takes little of the answer and the server holds the rest.
class NonReader {
 public:
  NonReader(uint16_t port, size_t response_bytes) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int small = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    const std::string request = MakeRequest("GET", "/big?n=" + std::to_string(response_bytes));
    connected_ = connected_ && ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
                                   static_cast<ssize_t>(request.size());
  }
  ~NonReader() { ::close(fd_); }
  NonReader(const NonReader&) = delete;
  NonReader& operator=(const NonReader&) = delete;

  bool connected() const { return connected_; }
  // True once the server has closed the connection (reads what the kernel holds until EOF or reset).
  bool Closed() {
    char buffer[65536];
    for (;;) {
      ssize_t n = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
      if (n < 0) return false;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

template <typename Predicate>
bool WaitFor(Predicate predicate, int timeout_ms) {
  const auto start = Clock::now();
  while (MillisSince(start) < timeout_ms) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return predicate();
}

constexpr size_t kMiB = size_t{1} << 20;

// Non-reading clients hold at most the budget (plus the one response being queued), the others wait
// unserved, each is closed write_timeout_ms after its output stalled, and a reading client queued
// behind them is served once they are gone.
TEST(OutputBudgetTest, BoundsOutputHeldForNonReadersAndClosesThemAfterTheWriteTimeout) {
  ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.max_buffered_output_bytes = 16 * kMiB;
  options.write_timeout_ms = 1000;
  Server server(options, TestHandler, TestFormatter);
  ASSERT_TRUE(server.Start().ok());
  // Far more than the kernel's socket buffers take on loopback (a few MiB at most).
  constexpr size_t kResponse = 8 * kMiB;
  constexpr int kClients = 6;
  std::vector<std::unique_ptr<NonReader>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<NonReader>(server.port(), kResponse));
    ASSERT_TRUE(clients.back()->connected());
  }
  // Two answers fill the budget; the other four requests wait unserved.
  ASSERT_TRUE(WaitFor([&] { return server.output_stats().waiting_connections == kClients - 2; }, 3000))
      << server.output_stats().waiting_connections;
  const Server::OutputStats stats = server.output_stats();
  EXPECT_GE(stats.held_bytes, 2 * kResponse);
  EXPECT_LE(stats.held_bytes, options.max_buffered_output_bytes + kResponse);
  EXPECT_EQ(stats.write_timeouts, 0u);

  const auto start = Clock::now();
  TestClient reader(server.port(), 10'000);
  ASSERT_TRUE(reader.Send(MakeRequest("GET", "/after")));
  HttpResponse resp;
  ASSERT_TRUE(reader.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "GET /after\n\n");
  // Behind four non-readers, two at a time, each closed after 1 s.
  EXPECT_GE(MillisSince(start), 1500);
  EXPECT_LT(MillisSince(start), 6000);
  ASSERT_TRUE(WaitFor([&] { return server.output_stats().write_timeouts == kClients; }, 3000))
      << server.output_stats().write_timeouts;
  for (auto& client : clients) EXPECT_TRUE(client->Closed());
  EXPECT_TRUE(WaitFor([&] { return server.output_stats().held_bytes == 0; }, 1000));
  EXPECT_EQ(server.output_stats().waiting_connections, 0u);
  // The reader's: a closed connection's budget is released just before the open count drops.
  EXPECT_TRUE(WaitFor([&] { return server.open_connections() == 1u; }, 1000)) << server.open_connections();
}

// Between three quarters of the budget and all of it, connections holding output wait but one holding
// nothing is still served at once: a reading client is not held up by non-readers that leave room.
TEST(OutputBudgetTest, ConnectionsHoldingNothingAreServedUntilTheLimit) {
  ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.max_buffered_output_bytes = 20 * kMiB;  // three quarters: 15 MiB
  options.write_timeout_ms = 10'000;
  Server server(options, TestHandler, TestFormatter);
  ASSERT_TRUE(server.Start().ok());
  NonReader first(server.port(), 8 * kMiB);
  NonReader second(server.port(), 8 * kMiB);
  ASSERT_TRUE(WaitFor([&] { return server.output_stats().held_bytes >= 16 * kMiB; }, 3000));
  const auto start = Clock::now();
  TestClient reader(server.port(), 5000);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(reader.Send(MakeRequest("GET", "/r")));
    HttpResponse resp;
    ASSERT_TRUE(reader.ReadResponse(&resp));
    EXPECT_EQ(resp.status, 200);
  }
  EXPECT_LT(MillisSince(start), 1000);
  EXPECT_EQ(server.output_stats().write_timeouts, 0u);
}

TEST(ServerStartTest, BindFailureIsReported) {
  ServerOptions options;
  options.port = 0;
  Server first(options, TestHandler, TestFormatter);
  ASSERT_TRUE(first.Start().ok());
  ServerOptions bad;
  bad.bind_address = "not-an-ip";
  Server second(bad, TestHandler, TestFormatter);
  EXPECT_FALSE(second.Start().ok());
  ServerOptions foreign;
  foreign.bind_address = "203.0.113.1";  // TEST-NET-3: not an address of this host
  foreign.port = 0;
  Server fourth(foreign, TestHandler, TestFormatter);
  Status status = fourth.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("bind"), std::string_view::npos) << status.ToString();
  ServerOptions zero_threads;
  zero_threads.port = 0;
  zero_threads.threads = 0;
  Server third(zero_threads, TestHandler, TestFormatter);
  EXPECT_FALSE(third.Start().ok());
}

// Two servers on one port would split connections between them (SO_REUSEPORT groups admit any socket of
// the same user): the second must fail to start, the first keep serving, and the port be reusable once the
// first has stopped.
TEST(ServerStartTest, PortOfARunningServerIsRefused) {
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  auto first = std::make_unique<Server>(options, TestHandler, TestFormatter);
  ASSERT_TRUE(first->Start().ok());
  ServerOptions same = options;
  same.port = first->port();
  Server second(same, TestHandler, TestFormatter);
  Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("already in use"), std::string_view::npos) << status.ToString();
  TestClient client(first->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/still-here")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  client.Close();
  first->Stop();
  first.reset();
  Server third(same, TestHandler, TestFormatter);
  EXPECT_TRUE(third.Start().ok());
}

// ---- Suspended requests (resumer.h) ----

// Requests to /park are suspended and their Resumers parked here for the test to resume; /drop suspends
// and drops its Resumer; /inline resumes before the handler returns; anything else echoes its path.
class SuspendTest : public ServerTest {
 protected:
  void Start(int threads = 1, int64_t request_timeout_ms = 10'000) {
    ServerOptions options;
    options.port = 0;
    options.threads = threads;
    options.request_timeout_ms = request_timeout_ms;
    server_ = std::make_unique<Server>(
        options,
        [this](const Request& req, Response& resp) {
          resp.content_type = "text/plain";
          resp.body = "answer " + std::string(req.path);
          EXPECT_TRUE(req.CanSuspend());
          if (req.path == "/park") {
            std::lock_guard<std::mutex> lock(mu_);
            parked_.push_back(req.Suspend());
          } else if (req.path == "/drop") {
            Resumer dropped = req.Suspend();
          } else if (req.path == "/inline") {
            req.Suspend().Resume(Status::Ok());
          } else if (req.path == "/hooked") {
            std::lock_guard<std::mutex> lock(mu_);
            parked_.push_back(req.Suspend());
            EXPECT_TRUE(req.IsSuspended());
            req.OnResume([this](const Status& status, const Response& final) {
              hooked_code_.store(static_cast<int>(status.code()));
              hooked_status_.store(final.status);
            });
          }
        },
        TestFormatter, [this](const Request&, const Response&, int64_t nanos) { last_nanos_.store(nanos); });
    ASSERT_TRUE(server_->Start().ok());
  }

  size_t Parked() {
    std::lock_guard<std::mutex> lock(mu_);
    return parked_.size();
  }
  // Resumes the oldest parked request with `status` from a thread of its own.
  void ResumeOldest(Status status) {
    Resumer resumer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ASSERT_FALSE(parked_.empty());
      resumer = std::move(parked_.front());
      parked_.erase(parked_.begin());
    }
    std::thread([&resumer, status] { resumer.Resume(status); }).join();
  }
  static bool NothingToRead(TestClient& client, int ms) {
    pollfd p{client.fd(), POLLIN, 0};
    return ::poll(&p, 1, ms) == 0 && client.pending().empty();
  }

  // Answers what a failed test left parked before the server (a base member) outlives these members.
  void TearDown() override {
    std::vector<Resumer> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      left.swap(parked_);
    }
    left.clear();
    server_.reset();
  }

  std::mutex mu_;
  std::vector<Resumer> parked_;
  std::atomic<int64_t> last_nanos_{0};
  std::atomic<int> hooked_code_{-1};
  std::atomic<int> hooked_status_{0};
};

TEST_F(SuspendTest, ResponseIsSentWhenResumedFromAnotherThread) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park", "x")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  EXPECT_TRUE(NothingToRead(client, 100));
  ResumeOldest(Status::Ok());
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "answer /park");
  EXPECT_GE(last_nanos_.load(), 100'000'000);  // server time includes the wait
  // The connection serves on.
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/next")));
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "answer /next");
}

TEST_F(SuspendTest, ResumeWithAnErrorAnswersTheFormattedError) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  ResumeOldest(Status(ErrorCode::kStoreUnavailable, "disk gone"));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, ErrorCodeHttpStatus(ErrorCode::kStoreUnavailable));
  EXPECT_EQ(resp.body, std::string(ErrorCodeName(ErrorCode::kStoreUnavailable)) + ": disk gone");
}

TEST_F(SuspendTest, ResumeHookSeesTheFinalStatusAndResponse) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/hooked")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  EXPECT_EQ(hooked_code_.load(), -1);  // not before the resumption
  ResumeOldest(Status(ErrorCode::kStoreUnavailable, "disk gone"));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(hooked_code_.load(), static_cast<int>(ErrorCode::kStoreUnavailable));
  EXPECT_EQ(hooked_status_.load(), resp.status);
  EXPECT_EQ(resp.status, ErrorCodeHttpStatus(ErrorCode::kStoreUnavailable));
}

TEST_F(SuspendTest, PipelinedRequestsWaitAndKeepTheirOrder) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/first") + MakeRequest("POST", "/park") +
                          MakeRequest("GET", "/third") + MakeRequest("POST", "/park")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "answer /first");
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  EXPECT_TRUE(NothingToRead(client, 100));  // /third waits behind the suspended request
  ResumeOldest(Status::Ok());
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "answer /park");
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "answer /third");
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  ResumeOldest(Status::Ok());
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "answer /park");
}

TEST_F(SuspendTest, InputArrivingWhileSuspendedIsServedAfterwards) {
  Start();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/later")));  // an edge the suspended connection must remember
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ResumeOldest(Status::Ok());
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "answer /park");
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "answer /later");
}

TEST_F(SuspendTest, PeerGoneWhileSuspendedClosesOnResume) {
  Start();
  {
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
    ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  }  // closed with the request still suspended
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(server_->open_connections(), 1u);  // kept until answered
  ResumeOldest(Status::Ok());
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(SuspendTest, IdleTimeoutDoesNotCloseASuspendedConnection) {
  ServerOptions options;
  options.port = 0;
  options.idle_timeout_ms = 50;
  server_ = std::make_unique<Server>(
      options,
      [this](const Request& req, Response& resp) {
        resp.body = "late";
        std::lock_guard<std::mutex> lock(mu_);
        parked_.push_back(req.Suspend());
      },
      TestFormatter);
  ASSERT_TRUE(server_->Start().ok());
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // six idle timeouts
  ResumeOldest(Status::Ok());
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "late");
}

TEST_F(SuspendTest, DroppedResumerAnswers500AndInlineResumeWorks) {
  Start();
  TestClient client(server_->port());
  HttpResponse resp;
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/drop")));
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 500);
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/inline")));
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "answer /inline");
}

TEST_F(SuspendTest, StopWaitsForSuspendedRequests) {
  Start(2);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  auto start = Clock::now();
  std::thread stopper([&] { server_->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ResumeOldest(Status::Ok());
  stopper.join();
  EXPECT_GE(MillisSince(start), 100);
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.body, "answer /park");
}

TEST_F(SuspendTest, StopGivesUpOnRequestsNeverResumedAfterTheRequestTimeout) {
  Start(1, /*request_timeout_ms=*/200);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  auto start = Clock::now();
  server_->Stop();
  EXPECT_GE(MillisSince(start), 150);
  EXPECT_EQ(server_->open_connections(), 0u);
  EXPECT_TRUE(client.WaitClosed(1000));
  ResumeOldest(Status::Ok());  // after stop: dropped, no crash
}

// A server whose handler parks every request, with the suspension limits given.
class SuspendLimitsTest : public SuspendTest {
 protected:
  void StartParking(int64_t suspended_timeout_ms, size_t max_suspended) {
    ServerOptions options;
    options.port = 0;
    options.suspended_timeout_ms = suspended_timeout_ms;
    options.max_suspended_requests = max_suspended;
    server_ = std::make_unique<Server>(
        options,
        [this](const Request& req, Response& resp) {
          resp.content_type = "text/plain";
          if (!req.CanSuspend()) {
            resp.status = 503;
            resp.body = "busy";
            return;
          }
          resp.body = "left by the handler";
          loop_thread_ = std::this_thread::get_id();
          request_ = &req;
          std::lock_guard<std::mutex> lock(mu_);
          parked_.push_back(req.Suspend());
        },
        TestFormatter);
    ASSERT_TRUE(server_->Start().ok());
  }
  Resumer TakeOldest() {
    std::lock_guard<std::mutex> lock(mu_);
    Resumer resumer = std::move(parked_.front());
    parked_.erase(parked_.begin());
    return resumer;
  }

  std::thread::id loop_thread_;
  const Request* request_ = nullptr;
};

TEST_F(SuspendLimitsTest, AContinuationFinishesTheResponseOnTheLoopThread) {
  StartParking(10'000, 16);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  std::atomic<bool> on_loop{false};
  Resumer resumer = TakeOldest();
  std::thread([&] {
    resumer.ResumeWith([&](Response& response) {
      on_loop = std::this_thread::get_id() == loop_thread_;
      response.body += ", finished by the continuation";
      return Status::Ok();
    });
  }).join();
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "left by the handler, finished by the continuation");
  EXPECT_TRUE(on_loop.load());
}

TEST_F(SuspendLimitsTest, AContinuationsErrorIsFormattedAndOneMaySuspendAgain) {
  StartParking(10'000, 16);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  TakeOldest().ResumeWith([this](Response& response) {
    response.body = "second stage";
    std::lock_guard<std::mutex> lock(mu_);
    parked_.push_back(request_->Suspend());  // waits again (a write's sync after its store answered)
    return Status::Ok();
  });
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  EXPECT_TRUE(NothingToRead(client, 100));
  TakeOldest().ResumeWith([](Response&) { return Status(ErrorCode::kStoreUnavailable, "cluster gone"); });
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, ErrorCodeHttpStatus(ErrorCode::kStoreUnavailable));
  EXPECT_EQ(resp.body, std::string(ErrorCodeName(ErrorCode::kStoreUnavailable)) + ": cluster gone");
}

TEST_F(SuspendLimitsTest, PastItsDeadlineARequestIsAnswered503AndItsLateResumptionDropped) {
  StartParking(/*suspended_timeout_ms=*/100, 16);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/park")));
  HttpResponse resp;
  ASSERT_TRUE(client.ReadResponse(&resp));  // without any resumption
  EXPECT_EQ(resp.status, ErrorCodeHttpStatus(ErrorCode::kStoreUnavailable));
  EXPECT_NE(resp.body.find("within 100 ms"), std::string::npos) << resp.body;
  // The connection serves on; the next request parks in its turn.
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/next")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 2; }));
  // The first request's late answer finds nothing: its continuation is dropped unrun.
  auto ran = std::make_shared<std::atomic<bool>>(false);
  TakeOldest().ResumeWith([ran](Response&) {
    ran->store(true);
    return Status::Ok();
  });
  TakeOldest().Resume(Status::Ok());
  ASSERT_TRUE(client.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "left by the handler");
  EXPECT_FALSE(ran->load());
}

TEST_F(SuspendLimitsTest, AtTheLoopsCapRequestsCannotSuspend) {
  StartParking(10'000, /*max_suspended=*/1);
  TestClient first(server_->port());
  ASSERT_TRUE(first.Send(MakeRequest("POST", "/park")));
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  TestClient second(server_->port());
  ASSERT_TRUE(second.Send(MakeRequest("POST", "/park")));
  HttpResponse resp;
  ASSERT_TRUE(second.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 503);
  EXPECT_EQ(resp.body, "busy");
  TakeOldest().Resume(Status::Ok());
  ASSERT_TRUE(first.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
  ASSERT_TRUE(second.Send(MakeRequest("POST", "/park")));  // room again
  ASSERT_TRUE(Eventually([&] { return Parked() == 1; }));
  TakeOldest().Resume(Status::Ok());
  ASSERT_TRUE(second.ReadResponse(&resp));
  EXPECT_EQ(resp.status, 200);
}

}  // namespace
}  // namespace ofs::http
