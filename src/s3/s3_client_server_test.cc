// S3Client against a real S3-compatible server: OFS_TEST_S3_ENDPOINT (`make test-s3` starts moto with
// scripts/services/s3.sh). Skipped without it, unless OFS_REQUIRE_SERVICES=1.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <string>

#include "net/http_client.h"
#include "s3/s3_client.h"

namespace ofs::s3 {
namespace {

std::string Endpoint() {
  const char* endpoint = std::getenv("OFS_TEST_S3_ENDPOINT");
  return endpoint == nullptr ? "" : endpoint;
}

bool Required() {
  const char* required = std::getenv("OFS_REQUIRE_SERVICES");
  return required != nullptr && std::string(required) == "1";
}

class S3ClientOnServer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Endpoint().empty()) {
      if (Required()) FAIL() << "OFS_REQUIRE_SERVICES=1 but OFS_TEST_S3_ENDPOINT is not set";
      GTEST_SKIP() << "no S3 server: set OFS_TEST_S3_ENDPOINT (scripts/services/s3.sh start)";
    }
    bucket_ = "ofs-client-test-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : bucket_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bucket_ = bucket_.substr(0, 63);
    // moto checks no signature: a plain PUT makes the bucket.
    net::HttpRequest create;
    create.method = "PUT";
    create.url = Endpoint() + "/" + bucket_;
    Result<net::HttpReply> created = net::Send(create);
    ASSERT_TRUE(created.ok() && created->status == 200) << created.status().ToString();
  }

  S3Client Client() {
    Result<S3Client> client = S3Client::Create(
        {.endpoint = Endpoint(), .access_key_id = "ofs-test", .secret_access_key = "ofs-test-secret"});
    EXPECT_TRUE(client.ok());
    return std::move(client).value();
  }

  std::string bucket_;
};

TEST_F(S3ClientOnServer, PutGetListDelete) {
  const S3Client client = Client();
  ASSERT_TRUE(client.PutObject(bucket_, "p/a b+c.json", "{\"x\": 1}", "application/json").ok());
  ASSERT_TRUE(client.PutObject(bucket_, "p/sub/d.json", "{}", "application/json").ok());
  ASSERT_TRUE(client.PutObject(bucket_, "q/e.json", "{}", "application/json").ok());
  Result<std::string> got = client.GetObject(bucket_, "p/a b+c.json", 1024);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "{\"x\": 1}");
  Result<std::string> small = client.GetObject(bucket_, "p/a b+c.json", 3);
  EXPECT_EQ(small.status().code(), ErrorCode::kPayloadTooLarge);

  Result<std::vector<ObjectEntry>> listed = client.ListObjects(bucket_, "p/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "p/a b+c.json");
  EXPECT_EQ((*listed)[0].size, 8);
  EXPECT_EQ((*listed)[1].key, "p/sub/d.json");

  ASSERT_TRUE(client.DeleteObject(bucket_, "p/a b+c.json").ok());
  ASSERT_TRUE(client.DeleteObject(bucket_, "p/never-was.json").ok());
  listed = client.ListObjects(bucket_, "p/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(S3ClientOnServer, ListsFollowContinuationTokens) {
  const S3Client client = Client();
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(client.PutObject(bucket_, "k/" + std::to_string(i), "", "text/plain").ok());
  }
  Result<std::vector<ObjectEntry>> listed = client.ListObjects(bucket_, "k/", /*max_keys_per_page=*/2);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ((*listed)[static_cast<size_t>(i)].key, "k/" + std::to_string(i));
}

TEST_F(S3ClientOnServer, ErrorsCarryS3sCodeAndNameTheObject) {
  const S3Client client = Client();
  Result<std::string> missing = client.GetObject(bucket_, "nothing/here.json", 1024);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().ToString().find("GetObject s3://" + bucket_ + "/nothing/here.json"),
            std::string::npos)
      << missing.status().ToString();
  EXPECT_NE(missing.status().ToString().find("NoSuchKey"), std::string::npos);
  EXPECT_FALSE(missing.status().retryable());
  Status no_bucket = client.PutObject("no-such-bucket-ofs", "k", "{}", "application/json");
  EXPECT_NE(no_bucket.ToString().find("404 NoSuchBucket"), std::string::npos) << no_bucket.ToString();
}

}  // namespace
}  // namespace ofs::s3
