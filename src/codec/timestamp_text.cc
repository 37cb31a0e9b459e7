#include "codec/timestamp_text.h"

#include <chrono>

namespace ofs::codec::detail {
namespace {

// The fixed-width decimal field text[pos, pos + width); -1 when a character is not a digit.
int Field(std::string_view text, size_t pos, size_t width) {
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool SeparatorsAt(std::string_view text) {
  return text[4] == '-' && text[7] == '-' && text[10] == 'T' && text[13] == ':' && text[16] == ':' &&
         text.back() == 'Z';
}

// Milliseconds of the optional ".SSS" between the seconds and the 'Z'; -1 when malformed.
int Millis(std::string_view text) {
  if (text.size() == 20) return 0;
  if (text.size() != 24 || text[19] != '.') return -1;
  return Field(text, 20, 3);
}

}  // namespace

bool ParseTimestampText(std::string_view text, int64_t* epoch_ms) {
  if ((text.size() != 20 && text.size() != 24) || !SeparatorsAt(text)) return false;
  const int year = Field(text, 0, 4), month = Field(text, 5, 2), day = Field(text, 8, 2);
  const int hour = Field(text, 11, 2), minute = Field(text, 14, 2), second = Field(text, 17, 2);
  const int millis = Millis(text);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 59 || millis < 0) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return false;
  const auto time = std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                    std::chrono::seconds{second} + std::chrono::milliseconds{millis};
  *epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  return true;
}

}  // namespace ofs::codec::detail
