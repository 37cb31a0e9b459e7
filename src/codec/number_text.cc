#include "codec/number_text.h"

#include <algorithm>

namespace ofs::codec::detail {
namespace {

// Exponents are clamped here: far beyond kMaxDecimalDigits and double range, far from int64 overflow.
constexpr int64_t kExponentClamp = int64_t{1} << 40;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Consumes a non-empty run of digits from the front of *text.
bool TakeDigits(std::string_view* text, std::string_view* digits) {
  const size_t n = std::find_if_not(text->begin(), text->end(), IsDigit) - text->begin();
  if (n == 0) return false;
  *digits = text->substr(0, n);
  text->remove_prefix(n);
  return true;
}

bool TakeChar(std::string_view* text, char c) {
  if (text->empty() || text->front() != c) return false;
  text->remove_prefix(1);
  return true;
}

int64_t SaturatedValue(std::string_view digits) {
  int64_t value = 0;
  for (char c : digits) value = std::min(value * 10 + (c - '0'), kExponentClamp);
  return value;
}

// Parses [eE][+-]?[0-9]+ when present.
bool TakeExponent(std::string_view* text, int64_t* exponent) {
  if (!TakeChar(text, 'e') && !TakeChar(text, 'E')) return true;
  const bool negative = TakeChar(text, '-');
  if (!negative) TakeChar(text, '+');
  std::string_view digits;
  if (!TakeDigits(text, &digits)) return false;
  *exponent = negative ? -SaturatedValue(digits) : SaturatedValue(digits);
  return true;
}

size_t LeadingZeros(std::string_view digits) {
  return std::find_if(digits.begin(), digits.end(), [](char c) { return c != '0'; }) - digits.begin();
}

// Digits of the canonical text (sign and point excluded) for 0.<n digits> x 10^exponent.
int64_t TextDigits(int64_t n, int64_t exponent) {
  if (exponent <= 0) return 1 - exponent + n;
  return std::max(exponent, n);
}

}  // namespace

bool ParseNumberText(std::string_view text, NumberText* out) {
  NumberText n;
  n.negative = TakeChar(&text, '-');
  if (!TakeDigits(&text, &n.integer)) return false;
  if (TakeChar(&text, '.') && !TakeDigits(&text, &n.fraction)) return false;
  if (!TakeExponent(&text, &n.exponent) || !text.empty()) return false;
  *out = n;
  return true;
}

bool IsIntegerText(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}

bool IsZero(const NumberText& n) {
  return LeadingZeros(n.integer) == n.integer.size() && LeadingZeros(n.fraction) == n.fraction.size();
}

int64_t AdjustedExponent(const NumberText& n) {
  const size_t integer_zeros = LeadingZeros(n.integer);
  if (integer_zeros < n.integer.size()) {
    return static_cast<int64_t>(n.integer.size() - integer_zeros) + n.exponent;
  }
  return n.exponent - static_cast<int64_t>(LeadingZeros(n.fraction));
}

void AppendSignificantDigits(const NumberText& n, std::string* out) {
  const size_t from = out->size();
  const size_t integer_zeros = LeadingZeros(n.integer);
  if (integer_zeros < n.integer.size()) {
    out->append(n.integer.substr(integer_zeros));
    out->append(n.fraction);
  } else {
    out->append(n.fraction.substr(LeadingZeros(n.fraction)));
  }
  while (out->size() > from && out->back() == '0') out->pop_back();
}

void AppendCanonicalInteger(std::string_view integer_text, std::string* out) {
  const bool negative = !integer_text.empty() && integer_text.front() == '-';
  if (negative) integer_text.remove_prefix(1);
  const std::string_view digits = integer_text.substr(LeadingZeros(integer_text));
  if (digits.empty()) {
    out->push_back('0');
    return;
  }
  if (negative) out->push_back('-');
  out->append(digits);
}

bool AppendCanonicalDecimal(const NumberText& n, std::string* out) {
  if (IsZero(n)) {
    out->push_back('0');
    return true;
  }
  const size_t mark = out->size();
  if (n.negative) out->push_back('-');
  const size_t from = out->size();
  AppendSignificantDigits(n, out);
  if (LayOutDecimal(AdjustedExponent(n), from, out)) return true;
  out->resize(mark);
  return false;
}

bool LayOutDecimal(int64_t exponent, size_t from, std::string* out) {
  const int64_t n = static_cast<int64_t>(out->size() - from);
  if (TextDigits(n, exponent) > kMaxDecimalDigits) return false;
  if (exponent <= 0) {
    out->insert(from, static_cast<size_t>(2 - exponent), '0');  // "0." and -exponent zeros
    (*out)[from + 1] = '.';
  } else if (exponent >= n) {
    out->append(static_cast<size_t>(exponent - n), '0');
  } else {
    out->insert(from + static_cast<size_t>(exponent), 1, '.');
  }
  return true;
}

}  // namespace ofs::codec::detail
