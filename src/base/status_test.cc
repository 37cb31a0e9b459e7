#include "base/status.h"

#include <gtest/gtest.h>

namespace ofs {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Result<int>(ErrorCode::kInvalidRequest, "odd", std::to_string(x));
  return x / 2;
}

Status Quarter(int x, int* out) {
  OFS_ASSIGN_OR_RETURN(int h, Half(x));
  OFS_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST(Status, OkCarriesNothing) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, RetryableIsAMarkThatCopiesCarry) {
  Status s(ErrorCode::kStoreUnavailable, "timeout");
  EXPECT_FALSE(s.retryable());
  Status marked = Status(ErrorCode::kStoreUnavailable, "timeout").MarkRetryable();
  EXPECT_TRUE(marked.retryable());
  const Status copy = marked;
  EXPECT_TRUE(copy.retryable());
  EXPECT_EQ(copy.code(), ErrorCode::kStoreUnavailable);
  EXPECT_FALSE(Status::Ok().MarkRetryable().retryable());
}

TEST(Status, ErrorKeepsCodeMessageCause) {
  Status s(ErrorCode::kFeatureGroupNotFound, "feature group not found", "name=x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(ErrorCodeName(s.code()), "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
  EXPECT_EQ(ErrorCodeHttpStatus(s.code()), 404);
  Status copy = s;
  EXPECT_EQ(copy.ToString(), "FEATURE-GROUP-NOT-FOUND-EXCEPTION: feature group not found (name=x)");
}

TEST(Result, PropagatesThroughMacros) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(s.cause(), "3");
}

TEST(ErrorCode, EveryCodeHasANameAndStatus) {
  for (int i = 1; i < static_cast<int>(ErrorCode::kCount_); ++i) {
    auto code = static_cast<ErrorCode>(i);
    EXPECT_FALSE(ErrorCodeName(code).empty());
    EXPECT_GE(ErrorCodeHttpStatus(code), 400);
  }
}

}  // namespace
}  // namespace ofs
