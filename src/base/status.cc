#include "base/status.h"

namespace ofs {

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(ErrorCodeName(state_->code));
  out += ": ";
  out += state_->message;
  if (!state_->cause.empty()) {
    out += " (";
    out += state_->cause;
    out += ")";
  }
  return out;
}

}  // namespace ofs
