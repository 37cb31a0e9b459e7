#include "storage/rocksdb/merge_operator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/rocksdb/row_codec.h"

namespace ofs::storage::rocks {
namespace {

std::string Row(const std::vector<CellView>& cells) {
  std::string row;
  EncodeRow(cells, &row);
  return row;
}

// Runs a full merge at clock time `now`; returns false when the operator failed. *result is the merged
// value, *zero_copy whether the operator handed back an operand instead of writing new_value.
bool FullMerge(const std::string* existing, const std::vector<std::string>& operands, int64_t now,
               std::string* result, bool* zero_copy) {
  ManualClock clock(now);
  CellMergeOperator op(&clock);
  const rocksdb::Slice existing_slice = existing ? rocksdb::Slice(*existing) : rocksdb::Slice();
  const std::vector<rocksdb::Slice> slices(operands.begin(), operands.end());
  std::string new_value = "stale bytes of a reused buffer";
  rocksdb::Slice existing_operand;
  rocksdb::MergeOperator::MergeOperationInput in(rocksdb::Slice("key"), existing ? &existing_slice : nullptr,
                                                 slices, nullptr);
  rocksdb::MergeOperator::MergeOperationOutput out(new_value, existing_operand);
  if (!op.FullMergeV2(in, &out)) return false;
  // Slice() points at a static "", so a hand-back is recognised by pointing into an input.
  *zero_copy = false;
  for (const rocksdb::Slice& input : slices) *zero_copy |= existing_operand.data() == input.data();
  if (existing) *zero_copy |= existing_operand.data() == existing_slice.data();
  *result = *zero_copy ? existing_operand.ToString() : new_value;
  return true;
}

TEST(CellMergeOperatorTest, SingleLiveOperandIsReturnedWithoutCopy) {
  const std::vector<std::string> operands = {Row({{0, 5, 0, ""}, {2, 5, 100, "x"}, {7, 5, 0, "y"}})};
  std::string result;
  bool zero_copy = false;
  ASSERT_TRUE(FullMerge(nullptr, operands, 99, &result, &zero_copy));
  EXPECT_TRUE(zero_copy);
  EXPECT_EQ(result, operands[0]);
}

TEST(CellMergeOperatorTest, SingleOperandWithAnExpiredCellIsRewritten) {
  const std::vector<std::string> operands = {Row({{0, 5, 0, ""}, {2, 5, 100, "x"}, {7, 5, 0, "y"}})};
  std::string result;
  bool zero_copy = true;
  ASSERT_TRUE(FullMerge(nullptr, operands, 100, &result, &zero_copy));
  EXPECT_FALSE(zero_copy);
  EXPECT_EQ(result, Row({{0, 5, 0, ""}, {7, 5, 0, "y"}}));
}

TEST(CellMergeOperatorTest, MalformedSingleOperandFailsTheMerge) {
  std::string result;
  bool zero_copy = false;
  const std::string row = Row({{0, 5, 0, ""}, {2, 5, 0, "x"}});
  EXPECT_FALSE(FullMerge(nullptr, {row.substr(0, row.size() - 1)}, 1, &result, &zero_copy));
  // Column ids out of order are malformed too (RowReader), never passed through as they are.
  EXPECT_FALSE(FullMerge(nullptr, {Row({{2, 5, 0, "x"}, {1, 5, 0, "y"}})}, 1, &result, &zero_copy));
}

TEST(CellMergeOperatorTest, ExistingValueAndOperandsMergeLastWriteWins) {
  const std::string existing = Row({{0, 1, 0, ""}, {2, 1, 0, "old"}, {3, 1, 0, "keep"}});
  const std::vector<std::string> operands = {Row({{0, 5, 0, ""}, {2, 5, 0, "new"}}),
                                             Row({{0, 3, 0, ""}, {2, 3, 0, "mid"}})};
  std::string result;
  bool zero_copy = true;
  ASSERT_TRUE(FullMerge(&existing, operands, 10, &result, &zero_copy));
  EXPECT_FALSE(zero_copy);
  EXPECT_EQ(result, Row({{0, 5, 0, ""}, {2, 5, 0, "new"}, {3, 1, 0, "keep"}}));
  // The same with the existing value as the only input is a plain copy.
  ASSERT_TRUE(FullMerge(&existing, {}, 10, &result, &zero_copy));
  EXPECT_EQ(result, existing);
}

}  // namespace
}  // namespace ofs::storage::rocks
