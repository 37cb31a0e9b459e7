#pragma once
// Internal to codec: the TIMESTAMP text form "yyyy-MM-ddTHH:mm:ssZ" or "yyyy-MM-ddTHH:mm:ss.SSSZ" (UTC).

#include <cstdint>
#include <string_view>

namespace ofs::codec::detail {

// Epoch milliseconds of `text`; false unless it is exactly one of the two forms with a real calendar
// date (leap years honoured), hour 00-23, minute and second 00-59. No other zone than Z.
bool ParseTimestampText(std::string_view text, int64_t* epoch_ms);

}  // namespace ofs::codec::detail
