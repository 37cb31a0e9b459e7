#include "catalog/mysql/placeholders.h"

#include <gtest/gtest.h>

namespace ofs::catalog::mysql {
namespace {

PositionalSql Rewrite(std::string_view sql) {
  auto rewritten = RewritePlaceholders(sql);
  EXPECT_TRUE(rewritten.ok()) << rewritten.status().ToString();
  return rewritten.ok() ? *rewritten : PositionalSql{};
}

TEST(Placeholders, RepeatedAndOutOfOrder) {
  const PositionalSql p = Rewrite("INSERT INTO t VALUES (?1, ?2, ?8, ?8)");
  EXPECT_EQ(p.text, "INSERT INTO t VALUES (?, ?, ?, ?)");
  EXPECT_EQ(p.numbers, (std::vector<int>{1, 2, 8, 8}));
  EXPECT_EQ(p.max_number, 8);

  const PositionalSql q = Rewrite("SELECT ?3 + ?1 WHERE (?1 = '' OR instr(lower(e.name), ?1) > 0) LIMIT ?12");
  EXPECT_EQ(q.text, "SELECT ? + ? WHERE (? = '' OR instr(lower(e.name), ?) > 0) LIMIT ?");
  EXPECT_EQ(q.numbers, (std::vector<int>{3, 1, 1, 1, 12}));
  EXPECT_EQ(q.max_number, 12);
}

TEST(Placeholders, NoParameters) {
  const PositionalSql p = Rewrite("SELECT 1");
  EXPECT_EQ(p.text, "SELECT 1");
  EXPECT_TRUE(p.numbers.empty());
  EXPECT_EQ(p.max_number, 0);
}

TEST(Placeholders, QuotesAndCommentsAreLeftAlone) {
  const PositionalSql p = Rewrite(
      "SELECT '?1', 'it''s ?2', 'back\\'slash ?3', \"?4\", `col?5`, ?6 -- ?7\n"
      ", ?8 # ?9\n, /* ?10 */ ?11, /*! ?12 */ 'end'--?13");
  EXPECT_EQ(p.text,
            "SELECT '?1', 'it''s ?2', 'back\\'slash ?3', \"?4\", `col?5`, ? -- ?7\n"
            ", ? # ?9\n, /* ?10 */ ?, /*! ? */ 'end'--?");
  EXPECT_EQ(p.numbers, (std::vector<int>{6, 8, 11, 12, 13}));  // "--?13" is not a comment in MySQL
}

TEST(Placeholders, UnterminatedQuoteEndsWithTheText) {
  const PositionalSql p = Rewrite("SELECT ?1, 'open ?2");
  EXPECT_EQ(p.text, "SELECT ?, 'open ?2");
  EXPECT_EQ(p.numbers, (std::vector<int>{1}));
}

TEST(Placeholders, UnnumberedOrZeroIsInternal) {
  for (const char* sql : {"SELECT ?", "SELECT ?1, ?", "SELECT ?0", "SELECT ?99999", "SELECT ?a"}) {
    auto rewritten = RewritePlaceholders(sql);
    ASSERT_FALSE(rewritten.ok()) << sql;
    EXPECT_EQ(rewritten.status().code(), ErrorCode::kInternal) << sql;
  }
}

}  // namespace
}  // namespace ofs::catalog::mysql
