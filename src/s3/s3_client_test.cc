#include "s3/s3_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace ofs::s3 {
namespace {

TEST(S3Url, ParsesBucketAndKey) {
  Result<S3Url> url = ParseS3Url("s3://my-bucket/backups/ofs/");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->bucket, "my-bucket");
  EXPECT_EQ(url->key, "backups/ofs/");
  Result<S3Url> bare = ParseS3Url("s3://my.bucket");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->key, "");
}

TEST(S3Url, RefusesWhatS3WouldNot) {
  for (const char* bad : {"s3://", "s3://ab/x", "s3://Upper/x", "s3://b_c/x", "s3://bucket//x",
                          "s3://bucket/a//b", "http://bucket/x"}) {
    Result<S3Url> url = ParseS3Url(bad);
    EXPECT_FALSE(url.ok()) << bad;
    EXPECT_NE(url.status().ToString().find(bad), std::string::npos) << url.status().ToString();
  }
  EXPECT_TRUE(IsS3Url("s3://b/k"));
  EXPECT_FALSE(IsS3Url("/var/backups"));
}

TEST(S3Client, RefusesABadEndpointOrRegion) {
  EXPECT_FALSE(S3Client::Create({.endpoint = "127.0.0.1:9000"}).ok());
  EXPECT_FALSE(S3Client::Create({.endpoint = "http://127.0.0.1:9000/path"}).ok());
  EXPECT_FALSE(S3Client::Create({.endpoint = "http://"}).ok());
  EXPECT_FALSE(S3Client::Create({.region = "US East"}).ok());
  Result<S3Client> aws = S3Client::Create({.region = "eu-west-1"});
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->endpoint(), "https://s3.eu-west-1.amazonaws.com");
  Result<S3Client> local = S3Client::Create({.endpoint = "http://127.0.0.1:9000/"});
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->endpoint(), "http://127.0.0.1:9000");
}

TEST(S3Client, CredentialsComeFromTheEnvironmentAndAreNeverShown) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::setenv("AWS_SECRET_ACCESS_KEY", "very-secret", 1);
  S3Options options;
  Status missing = CredentialsFromEnvironment(&options);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.ToString().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_EQ(missing.ToString().find("very-secret"), std::string::npos);
  ::setenv("AWS_ACCESS_KEY_ID", "id", 1);
  ASSERT_TRUE(CredentialsFromEnvironment(&options).ok());
  EXPECT_EQ(options.access_key_id, "id");
  EXPECT_EQ(options.secret_access_key, "very-secret");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}

// A listening socket on 127.0.0.1 that never accepts: connects succeed (the kernel's backlog), requests
// are never answered.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  // The port of a socket closed again: nothing listens there.
  static int ClosedPort() {
    SilentServer server;
    return server.port_;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

S3Client LocalClient(int port, std::chrono::milliseconds timeout) {
  Result<S3Client> client = S3Client::Create({.endpoint = "http://127.0.0.1:" + std::to_string(port),
                                              .access_key_id = "id",
                                              .secret_access_key = "secret",
                                              .timeout = timeout});
  EXPECT_TRUE(client.ok());
  return std::move(client).value();
}

TEST(S3Client, AnUnreachableEndpointIsARetryableErrorNamingTheObject) {
  const S3Client client = LocalClient(SilentServer::ClosedPort(), std::chrono::seconds(5));
  Status put = client.PutObject("bucket", "prefix/key.json", "{}", "application/json");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.code(), ErrorCode::kStoreUnavailable);
  EXPECT_TRUE(put.retryable());
  EXPECT_NE(put.ToString().find("PutObject s3://bucket/prefix/key.json"), std::string::npos)
      << put.ToString();
  EXPECT_EQ(put.ToString().find("secret"), std::string::npos);
}

TEST(S3Client, AServerThatNeverAnswersTimesOut) {
  SilentServer silent;
  const S3Client client = LocalClient(silent.port(), std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<ObjectEntry>> listed = client.ListObjects("bucket", "p/");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(listed.ok());
  EXPECT_TRUE(listed.status().retryable());
  EXPECT_NE(listed.status().ToString().find("ListObjectsV2 s3://bucket/p/"), std::string::npos)
      << listed.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ofs::s3
