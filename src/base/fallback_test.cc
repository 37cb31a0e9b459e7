#include "base/fallback.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ofs {
namespace {

TEST(FallbackTest, EveryPathHasADistinctName) {
  std::set<std::string> names;
  for (size_t i = 0; i < static_cast<size_t>(Fallback::kCount_); ++i) {
    const std::string name(FallbackName(static_cast<Fallback>(i)));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string::npos) << name;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

TEST(FallbackTest, CountsEveryOccurrence) {
  const uint64_t before = FallbackCount(Fallback::kCloseFlush);
  NoteFallback(Fallback::kCloseFlush, "test: first");
  NoteFallback(Fallback::kCloseFlush, "test: second (not logged)");
  EXPECT_EQ(FallbackCount(Fallback::kCloseFlush), before + 2);
}

}  // namespace
}  // namespace ofs
