#include "catalog/mysql/placeholders.h"

#include <algorithm>

namespace ofs::catalog::mysql {
namespace {

// SQLite's largest parameter number (SQLITE_MAX_VARIABLE_NUMBER): the same text must work on both.
constexpr int kMaxNumber = 32766;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The end of the quoted run that starts at `begin` (the quote): a doubled quote continues it, and so does
// a backslash in a string literal (MySQL's default escape). An unterminated run ends with the text.
size_t QuotedEnd(std::string_view sql, size_t begin) {
  const char quote = sql[begin];
  for (size_t i = begin + 1; i < sql.size(); ++i) {
    if (sql[i] == '\\' && quote != '`') {
      ++i;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return sql.size();
}

// The end of the comment that starts at `begin`, or `begin` when none does there.
size_t CommentEnd(std::string_view sql, size_t begin) {
  const std::string_view rest = sql.substr(begin);
  const bool dash_comment =
      rest.starts_with("--") && (rest.size() == 2 || rest[2] == ' ' || rest[2] == '\t' || rest[2] == '\n' ||
                                 rest[2] == '\r');  // MySQL needs "-- " (a space or control character)
  if (dash_comment || rest.starts_with("#")) {
    const size_t newline = sql.find('\n', begin);
    return newline == std::string_view::npos ? sql.size() : newline;
  }
  if (rest.starts_with("/*") && !rest.starts_with("/*!") && !rest.starts_with("/*M!")) {
    const size_t close = sql.find("*/", begin + 2);
    return close == std::string_view::npos ? sql.size() : close + 2;
  }
  return begin;
}

}  // namespace

Result<PositionalSql> RewritePlaceholders(std::string_view sql) {
  PositionalSql out;
  out.text.reserve(sql.size());
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      const size_t end = QuotedEnd(sql, i);
      out.text.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (const size_t end = CommentEnd(sql, i); end != i) {
      out.text.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (c != '?') {
      out.text.push_back(c);
      ++i;
      continue;
    }
    size_t end = i + 1;
    int number = 0;
    while (end < sql.size() && IsDigit(sql[end]) && number <= kMaxNumber) {
      number = number * 10 + (sql[end] - '0');
      ++end;
    }
    if (end == i + 1 || number < 1 || number > kMaxNumber) {
      return Result<PositionalSql>(
          ErrorCode::kInternal,
          "metadata store: a parameter is not numbered ?1..?" + std::to_string(kMaxNumber), std::string(sql));
    }
    out.text.push_back('?');
    out.numbers.push_back(number);
    out.max_number = std::max(out.max_number, number);
    i = end;
  }
  return out;
}

}  // namespace ofs::catalog::mysql
