// api::Offload: handlers run on a worker pool with their own copy of the request, and their answer
// reaches the connection through a continuation; the overload answers; the inline fallback.

#include "api/offload.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/envelope.h"
#include "metrics/metrics.h"

namespace ofs::api {
namespace {

using namespace std::chrono_literals;

// Stands in for the server's connection: records the suspension; resumptions land in a mailbox that the
// test drains, running a continuation on `response` as the loop would.
class TestSuspender final : public http::Suspender {
 public:
  bool CanSuspend() const override { return can_suspend; }
  http::Resumer Suspend() override {
    suspended = true;
    return http::Resumer(mailbox, ++tickets);
  }
  bool IsSuspended() const override { return suspended; }
  void OnResume(http::ResumeHook h) override { hook = std::move(h); }
  // Waits for the resumption and finishes the response as the loop does (an error through the error
  // formatter). nullopt when none came within the wait.
  std::optional<Status> Resumed(std::chrono::milliseconds wait = 5s) {
    const auto until = std::chrono::steady_clock::now() + wait;
    std::vector<http::Resumption> posted;
    while (posted.empty() && std::chrono::steady_clock::now() < until) {
      mailbox->Drain(&posted);
      if (posted.empty()) std::this_thread::sleep_for(1ms);
    }
    if (posted.empty()) return std::nullopt;
    Status status = posted.front().then ? posted.front().then(response) : posted.front().status;
    if (!status.ok()) {
      response.Reset();
      WriteError(status, response);
    }
    if (hook) hook(status, response);
    return status;
  }

  std::shared_ptr<http::Mailbox> mailbox = std::make_shared<http::Mailbox>();
  uint64_t tickets = 0;
  bool can_suspend = true;
  bool suspended = false;
  http::Response response;
  http::ResumeHook hook;
};

// A request whose every view points into buffers the test can overwrite, as a connection reuses its own.
struct ConnectionRequest {
  ConnectionRequest(std::string_view path_text, std::string_view body_text) {
    buffer = std::string(path_text) + "?q=1" + std::string(body_text) + "x-h" + "v" +
             std::string(http::kBodyPadding, '\0');
    std::string_view all(buffer);
    request.method = http::Method::kPost;
    request.path = all.substr(0, path_text.size());
    request.query = all.substr(path_text.size() + 1, 3);
    request.body = all.substr(path_text.size() + 4, body_text.size());
    request.headers.emplace_back(all.substr(path_text.size() + 4 + body_text.size(), 3),
                                 all.substr(path_text.size() + 7 + body_text.size(), 1));
  }
  void Scribble() { std::fill(buffer.begin(), buffer.end() - http::kBodyPadding, '#'); }

  std::string buffer;
  http::Request request;
};

class OffloadTest : public testing::Test {
 protected:
  // Registers POST /echo/{name} (answering what it read and where it ran) through Offload.
  void Register(WorkerPool* pool, std::chrono::milliseconds max_queue_wait = 5s) {
    endpoint_ = std::make_unique<Endpoint>(&auth_, &registry_, "test");
    endpoint_->Add(
        "echo", Role::kNone, {{http::Method::kPost, "/echo/{name}"}},
        Offload(Offloader{pool, max_queue_wait}, [this](const Call& call, http::Response& response) {
          ran_on_ = std::this_thread::get_id();
          ++runs_;
          if (call.request.body == "fail") return Status(ErrorCode::kStoreUnavailable, "down");
          std::string q;
          call.request.QueryParam("q", &q);
          response.status = 201;
          response.body = std::string(call.params.Get("name")) + " " + q + " " +
                          std::string(call.request.Header("x-h")) + " " + std::string(call.request.body) +
                          " " + (call.request.CanSuspend() ? "suspendable" : "inline");
          return Status::Ok();
        }));
  }
  void Dispatch(ConnectionRequest& in, TestSuspender* suspender) {
    in.request.suspender = suspender;
    http::Response response;
    endpoint_->Dispatch(in.request, response);
    if (suspender != nullptr && suspender->suspended) {
      EXPECT_TRUE(response.body.empty()) << response.body;  // answered later
    } else {
      direct_ = std::move(response);
    }
  }

  Authenticator auth_;
  metrics::Registry registry_;
  std::unique_ptr<Endpoint> endpoint_;
  std::atomic<int> runs_{0};
  std::thread::id ran_on_;
  http::Response direct_;
};

TEST_F(OffloadTest, RunsOnThePoolWithItsOwnCopyOfTheRequest) {
  WorkerPool pool({.threads = 1, .max_queued = 4, .name = "test"});
  Register(&pool);
  // Hold the pool's thread so that the connection's buffers are reused before the job runs.
  std::promise<void> release;
  ASSERT_TRUE(pool.TrySubmit([gate = release.get_future().share()] { gate.wait(); }));
  ConnectionRequest in("/echo/alice", R"({"k": 1})");
  TestSuspender suspender;
  Dispatch(in, &suspender);
  ASSERT_TRUE(suspender.suspended);
  in.Scribble();
  release.set_value();
  std::optional<Status> resumed = suspender.Resumed();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_TRUE(resumed->ok()) << resumed->ToString();
  EXPECT_EQ(suspender.response.status, 201);
  EXPECT_EQ(suspender.response.body, R"(alice 1 v {"k": 1} inline)");
  EXPECT_NE(ran_on_, std::this_thread::get_id());
}

TEST_F(OffloadTest, ErrorsAreAnsweredThroughTheErrorEnvelope) {
  WorkerPool pool({.threads = 1, .max_queued = 4, .name = "test"});
  Register(&pool);
  ConnectionRequest in("/echo/bob", "fail");
  TestSuspender suspender;
  Dispatch(in, &suspender);
  std::optional<Status> resumed = suspender.Resumed();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->code(), ErrorCode::kStoreUnavailable);
  EXPECT_EQ(suspender.response.status, 503);
  EXPECT_NE(suspender.response.body.find("STORE-UNAVAILABLE"), std::string::npos) << suspender.response.body;
}

TEST_F(OffloadTest, WithoutASuspenderTheHandlerRunsInline) {
  WorkerPool pool({.threads = 1, .max_queued = 4, .name = "test"});
  Register(&pool);
  ConnectionRequest in("/echo/carol", "x");
  Dispatch(in, nullptr);
  EXPECT_EQ(direct_.body, "carol 1 v x inline");
  EXPECT_EQ(ran_on_, std::this_thread::get_id());
  // No pool: the handler itself, inline even where the request could suspend.
  Register(nullptr);
  TestSuspender suspender;
  Dispatch(in, &suspender);
  EXPECT_FALSE(suspender.suspended);
  EXPECT_EQ(direct_.body, "carol 1 v x suspendable");
}

TEST_F(OffloadTest, OverloadIsAnsweredAtOnce) {
  WorkerPool pool({.threads = 1, .max_queued = 1, .name = "test"});
  Register(&pool);
  // At the loop's cap of suspended requests: 503 without suspending.
  ConnectionRequest in("/echo/dave", "x");
  TestSuspender capped;
  capped.can_suspend = false;
  Dispatch(in, &capped);
  EXPECT_FALSE(capped.suspended);
  EXPECT_EQ(direct_.status, 503);
  EXPECT_NE(direct_.body.find("OVERLOADED"), std::string::npos) << direct_.body;

  // The pool's queue full: suspended, then resumed with 503 at once.
  std::promise<void> release, started;
  ASSERT_TRUE(pool.TrySubmit([gate = release.get_future().share(), &started] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();  // the thread is taken, the queue empty
  TestSuspender queued, refused;
  Dispatch(in, &queued);
  Dispatch(in, &refused);
  std::optional<Status> answer = refused.Resumed(1s);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->code(), ErrorCode::kOverloaded);
  EXPECT_NE(answer->cause().find("test pool's queue holds 1"), std::string_view::npos) << answer->ToString();
  release.set_value();
  ASSERT_TRUE(queued.Resumed().has_value());
  EXPECT_EQ(queued.response.status, 201);
  EXPECT_EQ(runs_.load(), 1);
}

TEST_F(OffloadTest, AJobThatWaitedPastItsDeadlineDoesNotRun) {
  WorkerPool pool({.threads = 1, .max_queued = 4, .name = "test"});
  Register(&pool, 20ms);
  std::promise<void> release;
  ASSERT_TRUE(pool.TrySubmit([gate = release.get_future().share()] { gate.wait(); }));
  ConnectionRequest in("/echo/erin", "x");
  TestSuspender suspender;
  Dispatch(in, &suspender);
  std::this_thread::sleep_for(50ms);
  release.set_value();
  std::optional<Status> resumed = suspender.Resumed();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->code(), ErrorCode::kStoreUnavailable);
  EXPECT_EQ(runs_.load(), 0);
}

}  // namespace
}  // namespace ofs::api
