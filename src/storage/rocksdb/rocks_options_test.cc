#include "storage/rocksdb/rocks_options.h"

#include <gtest/gtest.h>

#include "base/fallback.h"

namespace ofs::storage::rocks {
namespace {

TEST(RocksOptionsTest, CompressionIsLz4OrAVisibleFallback) {
  const uint64_t before = FallbackCount(Fallback::kCompression);
  EXPECT_EQ(ChooseCompression({rocksdb::kSnappyCompression, rocksdb::kLZ4Compression}),
            rocksdb::kLZ4Compression);
  EXPECT_EQ(FallbackCount(Fallback::kCompression), before);
  EXPECT_EQ(ChooseCompression({rocksdb::kNoCompression, rocksdb::kSnappyCompression}),
            rocksdb::kSnappyCompression);
  EXPECT_EQ(ChooseCompression({rocksdb::kNoCompression}), rocksdb::kNoCompression);
  EXPECT_EQ(FallbackCount(Fallback::kCompression), before + 2);
}

}  // namespace
}  // namespace ofs::storage::rocks
