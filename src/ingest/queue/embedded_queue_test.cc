// EmbeddedQueue over a real RocksStore: order, durability across a reopen (at-least-once), dead letters
// kept apart and bounded, and the whole consumer loop over it.

#include "ingest/queue/embedded_queue.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "ingest/consumer.h"
#include "ingest/ingest_test_env.h"

namespace ofs::ingest {
namespace {

using testing::IngestEnv;
using testing::V2;

Status ProduceNow(RecordSink& sink, std::string_view topic, std::vector<Record> records) {
  std::promise<Status> done;
  sink.Produce(topic, std::move(records), [&](Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

std::vector<Record> PollAll(EmbeddedQueue& queue, size_t max = 100) {
  std::vector<Record> out;
  EXPECT_TRUE(queue.Poll(max, std::chrono::milliseconds(50), std::chrono::milliseconds(0), &out).ok());
  return out;
}

TEST(QueuedRecordTest, RoundTripsEveryField) {
  Record r = V2(R"({"id":1})", 1234);
  r.key = std::string("k\0y", 3);
  Record back;
  ASSERT_TRUE(DecodeQueuedRecord(EncodeQueuedRecord(r, "t1"), &back));
  EXPECT_EQ(back.topic, "t1");
  EXPECT_EQ(back.key, r.key);
  EXPECT_EQ(back.value, r.value);
  EXPECT_EQ(back.timestamp_ms, 1234);
  ASSERT_EQ(back.headers.size(), r.headers.size());
  EXPECT_EQ(back.headers[1].value, "g");
  Record none;
  none.timestamp_ms = -1;
  ASSERT_TRUE(DecodeQueuedRecord(EncodeQueuedRecord(none, ""), &back));
  EXPECT_EQ(back.timestamp_ms, -1);
  const std::string bytes = EncodeQueuedRecord(r, "t1");
  for (size_t cut = 0; cut < bytes.size(); ++cut)
    EXPECT_FALSE(DecodeQueuedRecord(bytes.substr(0, cut), &back));
  EXPECT_FALSE(DecodeQueuedRecord(bytes + "x", &back));
}

class EmbeddedQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<IngestEnv>(::testing::UnitTest::GetInstance()->current_test_info()->name());
    env_->CreateSchema();
    Open();
  }
  void Open(uint64_t max_dead_letters = 100) {
    EmbeddedQueue::Options options;
    options.dead_letter_topic = "dlq";
    options.max_dead_letters = max_dead_letters;
    options.trim_interval = std::chrono::milliseconds(0);
    queue_ = std::move(EmbeddedQueue::Open(env_->store.get(), options, &registry_)).value();
  }

  std::unique_ptr<IngestEnv> env_;
  metrics::Registry registry_;
  std::unique_ptr<EmbeddedQueue> queue_;
};

TEST_F(EmbeddedQueueTest, RecordsComeOutInOrderAndCommittedOnesDoNotComeBack) {
  ASSERT_TRUE(ProduceNow(*queue_, "default", {V2("1"), V2("2")}).ok());
  ASSERT_TRUE(ProduceNow(*queue_, "default", {V2("3")}).ok());
  EXPECT_EQ(queue_->Backlog(), 3u);
  std::vector<Record> first = PollAll(*queue_, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].value, "1");
  EXPECT_EQ(first[1].value, "2");
  EXPECT_EQ(first[0].topic, "default");
  ASSERT_TRUE(queue_->Commit().ok());
  EXPECT_EQ(queue_->Backlog(), 1u);
  // A restart takes what was not committed again, and only that.
  queue_.reset();
  Open();
  std::vector<Record> again = PollAll(*queue_);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].value, "3");
  ASSERT_TRUE(queue_->Commit().ok());
  queue_.reset();
  Open();
  EXPECT_TRUE(PollAll(*queue_).empty());
  ASSERT_TRUE(ProduceNow(*queue_, "default", {V2("4")}).ok());  // numbering goes on after the trimmed ones
  std::vector<Record> fourth = PollAll(*queue_);
  ASSERT_EQ(fourth.size(), 1u);
  EXPECT_EQ(fourth[0].value, "4");
}

TEST_F(EmbeddedQueueTest, PollWakesUpOnAnAppend) {
  std::vector<Record> out;
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(ProduceNow(*queue_, "default", {V2("x")}).ok());
  });
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(queue_->Poll(10, std::chrono::seconds(10), std::chrono::milliseconds(0), &out).ok());
  producer.join();
  EXPECT_EQ(out.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(EmbeddedQueueTest, DeadLettersAreKeptApartNewestFirstAndBounded) {
  queue_.reset();
  Open(/*max_dead_letters=*/3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ProduceNow(*queue_, "dlq", {V2(std::to_string(i))}).ok());
  EXPECT_TRUE(PollAll(*queue_).empty());  // never consumed
  std::vector<Record> letters;
  ASSERT_TRUE(queue_->DeadLetters(10, &letters).ok());
  ASSERT_EQ(letters.size(), 3u);
  EXPECT_EQ(letters[0].value, "4");
  EXPECT_EQ(letters[2].value, "2");
}

TEST_F(EmbeddedQueueTest, TheConsumerLoopAppliesQueuedRowsAndDeadLettersTheRest) {
  ConsumerOptions options;
  options.dead_letter_topic = "dlq";
  options.poll_wait = std::chrono::milliseconds(10);
  Consumer consumer(options, ConsumerDeps{env_->catalog.get(), nullptr, env_->store.get(), queue_.get(),
                                          queue_.get(), &registry_, &env_->clock});
  ASSERT_TRUE(ProduceNow(*queue_, "default", {V2(R"({"id":5,"v":50})"), V2(R"({"id":6,"v":"no"})")}).ok());
  Result<size_t> handled = consumer.RunOnce();
  ASSERT_TRUE(handled.ok());
  EXPECT_EQ(*handled, 2u);
  EXPECT_EQ(env_->Read(5, R"(["v"])"), "[50]");
  std::vector<Record> letters;
  ASSERT_TRUE(queue_->DeadLetters(10, &letters).ok());
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_TRUE(letters[0].Find("error").has_value());
  EXPECT_EQ(queue_->Backlog(), 0u);
}

}  // namespace
}  // namespace ofs::ingest
