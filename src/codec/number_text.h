#pragma once
// Internal to codec: the decimal number grammar shared by the value converters and the ordered key,
// and the canonical VARINT / DECIMAL texts (value_codec.h).

#include <cstdint>
#include <string>
#include <string_view>

namespace ofs::codec::detail {

// DECIMAL values whose canonical text would need more digits than this are rejected: the exponent is
// folded into the text, so "1e100000000" would otherwise be a 100 MB value.
inline constexpr int64_t kMaxDecimalDigits = 1000;

// A number in the JSON grammar, leading zeros allowed: -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?
struct NumberText {
  bool negative = false;
  std::string_view integer;   // digits before the point, non-empty
  std::string_view fraction;  // digits after the point, possibly empty
  int64_t exponent = 0;       // saturated far beyond any value a double or DECIMAL can hold
};

// False when `text` is not in the grammar above (no blanks, no '+' sign, no "inf"/"nan", no hex).
bool ParseNumberText(std::string_view text, NumberText* out);

// True when `text` is -?[0-9]+.
bool IsIntegerText(std::string_view text);

// True when every digit of the number is zero.
bool IsZero(const NumberText& n);

// E such that the value is 0.d1d2... x 10^E with d1 != 0. Meaningless for zero.
int64_t AdjustedExponent(const NumberText& n);

// Appends the digits of the number without leading and trailing zeros (empty for zero).
void AppendSignificantDigits(const NumberText& n, std::string* out);

// Appends the canonical VARINT text of an integer text (precondition: IsIntegerText).
void AppendCanonicalInteger(std::string_view integer_text, std::string* out);

// Appends the canonical DECIMAL text; false (nothing appended) beyond kMaxDecimalDigits digits.
bool AppendCanonicalDecimal(const NumberText& n, std::string* out);

// Rewrites the significant digits at (*out)[from..] into canonical DECIMAL text for the value
// 0.digits x 10^exponent: "1500", "1.5", "0.0015". False (out unchanged) beyond kMaxDecimalDigits.
bool LayOutDecimal(int64_t exponent, size_t from, std::string* out);

}  // namespace ofs::codec::detail
