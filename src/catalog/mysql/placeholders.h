#pragma once
// Numbered parameters (?1, ?2, ...: the seam's SQL, catalog/sql/connection.h) rewritten into MySQL's
// positional `?`. Internal to catalog/mysql.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ofs::catalog::mysql {

struct PositionalSql {
  std::string text;          // every ?N replaced by ?
  std::vector<int> numbers;  // numbers[i] = N of the i-th `?` of `text`
  int max_number = 0;        // the highest N (0 = no parameters); a Bind above it is out of range
};

// Rewrites every ?N outside string literals ('...', "..."), backquoted identifiers and comments (--, #,
// /* */; MySQL's executable /*! */ comments are code). A number may repeat and appear in any order. An
// unnumbered `?` or ?0 is kInternal: the code base always numbers its parameters.
Result<PositionalSql> RewritePlaceholders(std::string_view sql);

}  // namespace ofs::catalog::mysql
