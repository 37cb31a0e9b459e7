// Consumer: the poll -> write -> dead-letter -> commit order, against a scripted source and sink (the
// seams a real broker cannot fault on demand; tests/e2e/test_kafka*.py run the same loop on Kafka).

#include "ingest/consumer.h"

#include <gtest/gtest.h>

#include <deque>

#include "ingest/ingest_test_env.h"
#include "storage/testing/forwarding_store.h"

namespace ofs::ingest {
namespace {

using testing::IngestEnv;
using testing::V2;

// Hands out scripted batches; records what was committed.
class ScriptedSource final : public RecordSource {
 public:
  Status Subscribe(const std::vector<std::string>& topics) override {
    subscribed = topics;
    return Status::Ok();
  }
  Status Poll(size_t max, std::chrono::milliseconds, std::chrono::milliseconds,
              std::vector<Record>* out) override {
    ++polls;
    if (batches.empty()) return Status::Ok();
    EXPECT_LE(batches.front().size(), max);
    for (Record& r : batches.front()) {
      uncommitted.push_back(r.offset);
      out->push_back(std::move(r));
    }
    batches.pop_front();
    return Status::Ok();
  }
  Status Commit() override {
    committed.insert(committed.end(), uncommitted.begin(), uncommitted.end());
    uncommitted.clear();
    return Status::Ok();
  }
  void Close() override { closed = true; }

  std::deque<std::vector<Record>> batches;
  std::vector<std::string> subscribed;
  std::vector<int64_t> uncommitted;
  std::vector<int64_t> committed;
  int polls = 0;
  bool closed = false;
};

class ScriptedSink final : public RecordSink {
 public:
  void Produce(std::string_view topic, std::vector<Record> records, ProduceCompletion done) override {
    if (failures > 0) {
      --failures;
      return done(Status(ErrorCode::kStoreUnavailable, "broker down"));
    }
    for (Record& r : records) produced.emplace_back(std::string(topic), std::move(r));
    done(Status::Ok());
  }
  Status Health() override { return Status::Ok(); }

  int failures = 0;
  std::vector<std::pair<std::string, Record>> produced;
};

// Fails the first `failures` writes.
class FlakyStore final : public storage::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  void Write(const storage::WriteRequest& req, storage::Completion done) override {
    if (failures > 0) {
      --failures;
      return done(Status(ErrorCode::kStoreUnavailable, "store down"));
    }
    ForwardingStore::Write(req, std::move(done));
  }
  int failures = 0;
};

Record At(Record r, int64_t offset) {
  r.offset = offset;
  return r;
}

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<IngestEnv>(::testing::UnitTest::GetInstance()->current_test_info()->name());
    env_->CreateSchema();
    store_ = std::make_unique<FlakyStore>(env_->store.get());
    ConsumerOptions options;
    options.retry_backoff = std::chrono::milliseconds(1);
    options.dead_letter_topic = "test_default_dlq";
    consumer_ =
        std::make_unique<Consumer>(options, ConsumerDeps{env_->catalog.get(), nullptr, store_.get(), &source_,
                                                         &sink_, &env_->registry, &env_->clock});
  }

  std::unique_ptr<IngestEnv> env_;
  std::unique_ptr<FlakyStore> store_;
  ScriptedSource source_;
  ScriptedSink sink_;
  std::unique_ptr<Consumer> consumer_;
};

TEST_F(ConsumerTest, AppliesRowsDeadLettersTheRestThenCommits) {
  source_.batches.push_back(
      {At(V2(R"({"id":1,"v":1})"), 0), At(V2(R"({"id":1,"v":"bad"})"), 1), At(V2(R"({"id":2,"v":2})"), 2)});
  Result<size_t> handled = consumer_->RunOnce();
  ASSERT_TRUE(handled.ok()) << handled.status().ToString();
  EXPECT_EQ(*handled, 3u);
  EXPECT_EQ(source_.subscribed, std::vector<std::string>{"default"});
  EXPECT_EQ(source_.committed, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(env_->Read(1, R"(["v"])"), "[1]");
  EXPECT_EQ(env_->Read(2, R"(["v"])"), "[2]");
  ASSERT_EQ(sink_.produced.size(), 1u);
  const auto& [topic, letter] = sink_.produced[0];
  EXPECT_EQ(topic, "test_default_dlq");
  EXPECT_EQ(letter.value, R"({"id":1,"v":"bad"})");  // the original value and headers, plus the reason
  EXPECT_EQ(letter.Find("feature-group-name"), "g");
  EXPECT_EQ(letter.Find("run-id"), "run-1");
  ASSERT_TRUE(letter.Find("error").has_value());
  EXPECT_NE(letter.Find("error")->find("column 'v'"), std::string_view::npos) << *letter.Find("error");
}

TEST_F(ConsumerTest, AFailedStoreWriteIsRetriedBeforeTheCommit) {
  store_->failures = 3;
  source_.batches.push_back({At(V2(R"({"id":1,"v":1})"), 0)});
  ASSERT_TRUE(consumer_->RunOnce().ok());
  EXPECT_EQ(store_->failures, 0);
  EXPECT_EQ(source_.committed, std::vector<int64_t>{0});
  EXPECT_EQ(env_->Read(1, R"(["v"])"), "[1]");
}

TEST_F(ConsumerTest, UnacknowledgedDeadLettersKeepTheBatchInHandUncommitted) {
  sink_.failures = 1;
  source_.batches.push_back({At(V2(R"({"id":1,"v":1})"), 0), At(V2(R"({"id":1,"v":"bad"})"), 1)});
  source_.batches.push_back({At(V2(R"({"id":3,"v":3})"), 2)});
  EXPECT_FALSE(consumer_->RunOnce().ok());
  EXPECT_TRUE(source_.committed.empty());
  EXPECT_FALSE(consumer_->Health().ok());
  // The same batch again, before anything new is polled.
  Result<size_t> again = consumer_->RunOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 2u);
  EXPECT_EQ(source_.polls, 1);
  EXPECT_EQ(source_.committed, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(sink_.produced.size(), 1u);
  EXPECT_TRUE(consumer_->Health().ok());
  ASSERT_TRUE(consumer_->RunOnce().ok());
  EXPECT_EQ(source_.committed, (std::vector<int64_t>{0, 1, 2}));
}

TEST_F(ConsumerTest, SubscribesToEveryConsumeTenantsTopic) {
  ASSERT_EQ(env_->Post("/v1/tenant", R"({"name":"g","tenant":{"consume":"t9"}})").first, 200);
  ASSERT_TRUE(consumer_->RunOnce().ok());
  EXPECT_EQ(source_.subscribed, (std::vector<std::string>{"default", "t9"}));
}

TEST_F(ConsumerTest, StopClosesTheSource) {
  consumer_->Start();
  consumer_->Stop();
  EXPECT_TRUE(source_.closed);
}

}  // namespace
}  // namespace ofs::ingest
