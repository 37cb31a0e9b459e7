#pragma once
// JsonWriter: appends compact JSON straight into a caller-owned buffer (the connection's response
// buffer on the serving path). No allocation beyond the buffer's own growth; numbers print in the
// shortest round-trip form (std::to_chars). The caller is responsible for a well-formed call sequence.

#include <cstdint>
#include <string>
#include <string_view>

namespace ofs::codec {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void StartObject();
  void EndObject();
  void StartArray();
  void EndArray();
  void Key(std::string_view key);  // key must need no escaping beyond what String() does
  void String(std::string_view value);
  void Int(int64_t value);
  void Double(double value);  // NaN/Inf print as null (never produced by validated data)
  void Float(float value);    // shortest form at float precision
  void Bool(bool value);
  void Null();
  // A value that is already valid JSON text (a number token, a nested document).
  void Raw(std::string_view json);

  std::string* buffer() { return out_; }

 private:
  void Separate() {
    if (need_comma_) out_->push_back(',');
  }
  std::string* out_;
  bool need_comma_ = false;
};

// Appends `value` as a JSON string literal (quotes included), escaping as RFC 8259 requires.
void AppendJsonString(std::string_view value, std::string* out);

}  // namespace ofs::codec
