#include "storage/rocksdb/key_codec.h"

#include <gtest/gtest.h>

#include "storage/testing/conformance.h"

namespace ofs::storage::rocks {
namespace {

using storage::testing::DoubleValue;
using storage::testing::Int32Value;

model::TableSpec Table() {
  return model::TableSpec{0x01020304,
                          "t",
                          {{1, "device", model::DataType::kText},
                           {2, "bucket", model::DataType::kInt},
                           {3, "weight", model::DataType::kDouble}},
                          {},
                          0};
}

TEST(KeyCodecTest, RowKeyStartsWithBigEndianTableIdAndRoundTrips) {
  const model::TableSpec table = Table();
  const std::vector<std::string> values = {std::string("a\0b", 3), Int32Value(-7), DoubleValue(2.5)};
  const std::vector<std::string_view> views(values.begin(), values.end());
  std::string key;
  AppendRowKey(table, views, &key);
  EXPECT_EQ(key.substr(0, 4), std::string("\x01\x02\x03\x04", 4));

  std::string decoded;
  std::vector<size_t> ends;
  ASSERT_TRUE(DecodeRowKey(table, key, &decoded, &ends).ok());
  ASSERT_EQ(ends.size(), 3u);
  EXPECT_EQ(decoded, values[0] + values[1] + values[2]);
  EXPECT_EQ(ends[0], 3u);
  EXPECT_EQ(ends[1], 7u);

  std::string prefix;
  AppendPartitionPrefix(table, values[0], {}, &prefix);
  EXPECT_TRUE(key.starts_with(prefix));
  // A clustering prefix encodes each value with its own column's type, after the partition key.
  std::string clustered;
  AppendPartitionPrefix(table, values[0], std::span<const std::string_view>(&views[1], 1), &clustered);
  EXPECT_TRUE(key.starts_with(clustered));
  EXPECT_GT(clustered.size(), prefix.size());
  std::string other_bucket;
  const std::string minus_eight = Int32Value(-8);
  const std::string_view minus_eight_view = minus_eight;
  AppendPartitionPrefix(table, values[0], std::span<const std::string_view>(&minus_eight_view, 1),
                        &other_bucket);
  EXPECT_FALSE(key.starts_with(other_bucket));
}

TEST(KeyCodecTest, MalformedKeysAreInternalErrors) {
  const model::TableSpec table = Table();
  const std::vector<std::string> values = {"dev", Int32Value(1), DoubleValue(-1.0)};
  const std::vector<std::string_view> views(values.begin(), values.end());
  std::string key;
  AppendRowKey(table, views, &key);
  std::string decoded;
  std::vector<size_t> ends;
  for (size_t n = 0; n < key.size(); ++n) {
    EXPECT_EQ(DecodeRowKey(table, key.substr(0, n), &decoded, &ends).code(), ErrorCode::kInternal) << n;
  }
  EXPECT_EQ(DecodeRowKey(table, key + "x", &decoded, &ends).code(), ErrorCode::kInternal);
  model::TableSpec other = table;
  other.id = 9;
  EXPECT_EQ(DecodeRowKey(other, key, &decoded, &ends).code(), ErrorCode::kInternal);
}

TEST(KeyCodecTest, PrefixSuccessor) {
  std::string out;
  ASSERT_TRUE(PrefixSuccessor("ab", &out));
  EXPECT_EQ(out, "ac");
  ASSERT_TRUE(PrefixSuccessor(std::string("a\xff\xff", 3), &out));
  EXPECT_EQ(out, "b");
  EXPECT_FALSE(PrefixSuccessor(std::string("\xff\xff", 2), &out));
  EXPECT_FALSE(PrefixSuccessor("", &out));
}

}  // namespace
}  // namespace ofs::storage::rocks
