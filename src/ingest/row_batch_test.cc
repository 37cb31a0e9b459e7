// RowBatch: decoding of the Kafka ingestion formats (API.md section 6) and the writes it makes, read back
// through the serving API.

#include "ingest/row_batch.h"

#include <gtest/gtest.h>

#include "ingest/ingest_test_env.h"

namespace ofs::ingest {
namespace {

using testing::IngestEnv;
using testing::V2;

class RowBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<IngestEnv>(::testing::UnitTest::GetInstance()->current_test_info()->name());
    env_->CreateSchema();
    batch_.Use(env_->catalog->CurrentShared());
  }
  // Adds the records, expecting each to be accepted, and writes them.
  void Apply(const std::vector<Record>& records) {
    for (const Record& r : records) {
      std::optional<Rejection> rejection = batch_.Add(r);
      ASSERT_FALSE(rejection.has_value()) << rejection->message;
    }
    ASSERT_TRUE(batch_.Write(*env_->store).ok());
    batch_.Clear();
  }
  std::string RejectionOf(const Record& record) {
    std::optional<Rejection> rejection = batch_.Add(record);
    return rejection.has_value() ? std::string(rejection->reason) + ": " + rejection->message : "accepted";
  }

  std::unique_ptr<IngestEnv> env_;
  ManualClock clock_{1'700'000'000'000'000};
  RowBatch batch_{&clock_, RowBatchLimits{}};
};

TEST_F(RowBatchTest, V2RowsAreWrittenAndReadable) {
  // BLOB as Darwin's producers send it: base64 of the base64 text, decoded once (stored: "c3RyaW5n").
  Apply({V2(R"({"id":1,"v":7,"s":"x","b":"YzNSeWFXNW4="})"), V2(R"({"id":2,"v":8})")});
  EXPECT_EQ(env_->Read(1), R"([7,"x","YzNSeWFXNW4="])");
  EXPECT_EQ(env_->Read(2, R"(["v"])"), "[8]");
}

TEST_F(RowBatchTest, V1RecordsAreWritten) {
  Record r;
  r.value =
      R"({"EntityName":"u","Entities":"id","FeatureGroup":"g","Features":"{\"id\":3,\"v\":9,\"s\":\"y\"}"})";
  r.timestamp_ms = 1'700'000'000'000;
  Apply({r});
  EXPECT_EQ(env_->Read(3, R"(["v","s"])"), R"([9,"y"])");
}

TEST_F(RowBatchTest, AnOlderRecordNeverOverwritesANewerOne) {
  Apply({V2(R"({"id":1,"v":2})", 2'000)});
  Apply({V2(R"({"id":1,"v":1})", 1'000)});  // a replay of an older record
  EXPECT_EQ(env_->Read(1, R"(["v"])"), "[2]");
  Apply({V2(R"({"id":1,"v":3})", 3'000)});
  EXPECT_EQ(env_->Read(1, R"(["v"])"), "[3]");
}

TEST_F(RowBatchTest, TheWriteTimeHeaderWinsOverTheTimestamp) {
  Record newer = V2(R"({"id":1,"v":5})", 1'000);
  newer.headers.push_back({"ofs-write-time", "9000000"});  // 9 s in microseconds
  Apply({newer});
  Apply({V2(R"({"id":1,"v":4})", 8'000)});  // 8 s: older
  EXPECT_EQ(env_->Read(1, R"(["v"])"), "[5]");
}

TEST_F(RowBatchTest, BadRecordsAreRejectedWithTheirReason) {
  EXPECT_EQ(RejectionOf(V2(R"({"id":1,"v":"x"})")).substr(0, 9), "bad_value");
  EXPECT_EQ(RejectionOf(V2(R"({"id":1,"v":null})")).substr(0, 9), "bad_value");
  EXPECT_EQ(RejectionOf(V2(R"({"id":1,"nope":1})")).substr(0, 6), "schema");
  EXPECT_EQ(RejectionOf(V2(R"({"v":1})")).substr(0, 6), "schema");
  EXPECT_EQ(RejectionOf(V2(R"({"id":1,"v":1)")).substr(0, 9), "malformed");
  EXPECT_EQ(RejectionOf(V2(R"([1,2])")).substr(0, 9), "malformed");
  EXPECT_EQ(RejectionOf(V2("")).substr(0, 9), "malformed");
  EXPECT_EQ(RejectionOf(V2(R"({"id":1})", 1, "nosuch")).substr(0, 13), "unknown_group");
  Record versioned = V2(R"({"id":1})");
  versioned.headers.push_back({"feature-group-version", "v9"});
  EXPECT_EQ(RejectionOf(versioned).substr(0, 13), "unknown_group");
  Record headerless = V2(R"({"id":1})");
  headerless.headers = {{"sdk-version", "v2"}};
  EXPECT_EQ(RejectionOf(headerless).substr(0, 14), "missing_header");
  Record unknown_sdk = V2(R"({"id":1})");
  unknown_sdk.headers[0].value = "v7";
  EXPECT_EQ(RejectionOf(unknown_sdk).substr(0, 9), "malformed");
  Record v1;
  v1.value = R"({"FeatureGroup":"g","Features":{"id":1}})";  // Features must be a JSON string
  EXPECT_EQ(RejectionOf(v1).substr(0, 9), "malformed");
  EXPECT_EQ(batch_.rows(), 0u);
  // A good record after the bad ones is still accepted.
  EXPECT_EQ(RejectionOf(V2(R"({"id":1,"v":1})")), "accepted");
}

TEST_F(RowBatchTest, ARecordOverTheSizeLimitIsRejected) {
  RowBatch small(&clock_, RowBatchLimits{.max_value_bytes = 10});
  small.Use(env_->catalog->CurrentShared());
  std::optional<Rejection> rejection = small.Add(V2(R"({"id":1,"v":12345})"));
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->reason, kReasonTooLarge);
}

TEST_F(RowBatchTest, ArchivedGroupsAreRejected) {
  ASSERT_EQ(env_->Call(http::Method::kPut, "/v1/feature-group/g/state", R"({"state":"ARCHIVED"})").first,
            200);
  batch_.Use(env_->catalog->CurrentShared());
  EXPECT_EQ(RejectionOf(V2(R"({"id":1,"v":1})")).substr(0, 8), "archived");
}

}  // namespace
}  // namespace ofs::ingest
