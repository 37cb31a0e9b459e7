#include "populate/load_request.h"

#include <gtest/gtest.h>

#include <string>

namespace ofs::populate {
namespace {

Result<LoadRequest> Decode(std::string body) { return DecodeStoredLoadRequest(body); }

TEST(LoadRequest, DecodesEveryFieldAndEncodesThemBack) {
  auto r =
      Decode(R"({"tablePath":"s3://b/t","featureGroupName":"fg","featureGroupVersion":"V02","fromVersion":3,
      "toVersion":9,"timestamp":1700000000000,"runId":"r1","replicate":true,"columns":{"a":"b"},
      "storageOptions":{"aws_region":"eu-west-1"},"sink":"Kafka","unknown":[1]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->table_path, "s3://b/t");
  EXPECT_EQ(r->group_version, "v2");
  EXPECT_EQ(r->from_version, 3);
  EXPECT_EQ(r->to_version, 9);
  EXPECT_EQ(r->timestamp_ms, 1700000000000);
  EXPECT_TRUE(r->replicate);
  EXPECT_EQ(r->columns.at("a"), "b");
  EXPECT_EQ(r->sink, LoadSink::kKafka);
  const std::string encoded = EncodeLoadRequest(*r);
  auto again = Decode(encoded);
  ASSERT_TRUE(again.ok()) << encoded;
  EXPECT_EQ(EncodeLoadRequest(*again), encoded);
  EXPECT_EQ(again->storage_options.at("aws_region"), "eu-west-1");
  EXPECT_EQ(again->sink, LoadSink::kKafka);
  // Unresolved (auto) is not written: a stored job without a sink loads into the store.
  auto plain = Decode(R"({"tablePath":"/t","featureGroupName":"fg"})");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->sink, LoadSink::kAuto);
  EXPECT_EQ(EncodeLoadRequest(*plain).find("sink"), std::string::npos);
}

TEST(LoadRequest, RefusesWhatCannotRun) {
  EXPECT_NE(Decode(R"({"featureGroupName":"fg"})").status().message().find("tablePath is required"),
            std::string_view::npos);
  EXPECT_NE(Decode(R"({"tablePath":"/t"})").status().message().find("featureGroupName is required"),
            std::string_view::npos);
  EXPECT_FALSE(Decode(R"({"tablePath":"/t","featureGroupName":"fg","fromVersion":-1})").ok());
  EXPECT_FALSE(Decode(R"({"tablePath":"/t","featureGroupName":"fg","fromVersion":5,"toVersion":4})").ok());
  EXPECT_FALSE(Decode(R"({"tablePath":"/t","featureGroupName":"fg","featureGroupVersion":"x"})").ok());
  EXPECT_FALSE(Decode(R"({"tablePath":7,"featureGroupName":"fg"})").ok());
  auto sink = Decode(R"({"tablePath":"/t","featureGroupName":"fg","sink":"http"})");
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("invalid sink 'http'"), std::string_view::npos);
  EXPECT_FALSE(Decode(R"({"tablePath":"/t","featureGroupName":"fg"} {})").ok());
  auto endpoint =
      Decode(R"({"tablePath":"/t","featureGroupName":"fg","storageOptions":{"aws_endpoint":"http://x"}})");
  ASSERT_FALSE(endpoint.ok());
  EXPECT_NE(endpoint.status().message().find("the workers' setting"), std::string_view::npos);
  EXPECT_FALSE(Decode(R"({"tablePath":"/t","featureGroupName":"fg","timestamp":-1})").ok());
  EXPECT_FALSE(Decode(R"({"tablePath":"/t","featureGroupName":"fg","timestamp":9223372036854776})").ok());
  EXPECT_TRUE(Decode(R"({"tablePath":"/t","featureGroupName":"fg","timestamp":9223372036854775})").ok());
  auto secret =
      Decode(R"({"tablePath":"/t","featureGroupName":"fg","storageOptions":{"aws_secret_access_key":"x"}})");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().code(), ErrorCode::kInvalidRequest);
  EXPECT_NE(secret.status().message().find("credential"), std::string_view::npos);
}

}  // namespace
}  // namespace ofs::populate
