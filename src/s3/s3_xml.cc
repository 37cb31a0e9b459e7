#include "s3/s3_xml.h"

#include <expat.h>

#include <charconv>
#include <climits>
#include <functional>
#include <memory>

namespace ofs::s3 {
namespace {

// Element names arrive as "NAMESPACE|local" (namespace processing on) or "local" (none declared).
std::string_view LocalName(const XML_Char* name) {
  std::string_view full(name);
  const size_t bar = full.rfind('|');
  return bar == std::string_view::npos ? full : full.substr(bar + 1);
}

// Walks a document with expat and reports each element's end with its path from the root (local names)
// and its text. `on_start` / `on_end` return a non-OK status to stop the walk with that error.
class XmlWalk {
 public:
  using Path = std::vector<std::string>;
  using Callback = std::function<Status(const Path& path, std::string_view text)>;

  XmlWalk(Callback on_start, Callback on_end) : on_start_(std::move(on_start)), on_end_(std::move(on_end)) {}

  Status Run(std::string_view xml) {
    if (xml.size() > static_cast<size_t>(INT_MAX)) {
      return Status(ErrorCode::kInvalidRequest, "an S3 reply of more than 2^31 bytes");
    }
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreateNS(nullptr, '|'),
                                                                        &XML_ParserFree);
    if (!parser) return Status(ErrorCode::kInternal, "XML_ParserCreateNS failed");
    XML_SetUserData(parser.get(), this);
    XML_SetElementHandler(parser.get(), &XmlWalk::Start, &XmlWalk::End);
    XML_SetCharacterDataHandler(parser.get(), &XmlWalk::Text);
    XML_SetStartDoctypeDeclHandler(parser.get(), &XmlWalk::Doctype);
    parser_ = parser.get();
    const XML_Status done = XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE);
    if (!error_.ok()) return error_;
    if (done != XML_STATUS_OK) {
      return Status(ErrorCode::kInvalidRequest, "an S3 reply that is not well-formed XML",
                    std::string(XML_ErrorString(XML_GetErrorCode(parser.get()))) + " at line " +
                        std::to_string(XML_GetCurrentLineNumber(parser.get())));
    }
    return Status::Ok();
  }

 private:
  static void Start(void* user, const XML_Char* name, const XML_Char**) {
    auto* self = static_cast<XmlWalk*>(user);
    self->path_.emplace_back(LocalName(name));
    self->text_.clear();
    self->Check(self->on_start_(self->path_, {}));
  }
  static void End(void* user, const XML_Char*) {
    auto* self = static_cast<XmlWalk*>(user);
    self->Check(self->on_end_(self->path_, self->text_));
    self->path_.pop_back();
    self->text_.clear();
  }
  static void Text(void* user, const XML_Char* data, int length) {
    static_cast<XmlWalk*>(user)->text_.append(data, static_cast<size_t>(length));
  }
  static void Doctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<XmlWalk*>(user)->Check(
        Status(ErrorCode::kInvalidRequest, "an S3 reply that declares a DTD (refused)"));
  }
  void Check(Status status) {
    if (status.ok() || !error_.ok()) return;
    error_ = std::move(status);
    XML_StopParser(parser_, XML_FALSE);
  }

  Callback on_start_;
  Callback on_end_;
  XML_Parser parser_ = nullptr;
  Path path_;
  std::string text_;  // the character data since the last start or end tag
  Status error_;
};

bool Is(const XmlWalk::Path& path, std::initializer_list<std::string_view> expected) {
  if (path.size() != expected.size()) return false;
  size_t i = 0;
  for (std::string_view name : expected) {
    if (path[i++] != name) return false;
  }
  return true;
}

Status Malformed(std::string what) {
  return Status(ErrorCode::kInvalidRequest, "a malformed ListObjectsV2 reply: " + std::move(what));
}

}  // namespace

Result<ListPage> DecodeListObjectsV2(std::string_view xml) {
  ListPage page;
  ObjectEntry entry;
  bool has_truncated = false;
  auto on_start = [&](const XmlWalk::Path& path, std::string_view) -> Status {
    if (path.size() == 1 && path[0] != "ListBucketResult") {
      return Malformed("the root element is <" + path[0] + ">, not <ListBucketResult>");
    }
    if (Is(path, {"ListBucketResult", "Contents"})) entry = ObjectEntry{};
    return Status::Ok();
  };
  auto on_end = [&](const XmlWalk::Path& path, std::string_view text) -> Status {
    if (Is(path, {"ListBucketResult", "Contents", "Key"})) {
      entry.key = std::string(text);
    } else if (Is(path, {"ListBucketResult", "Contents", "Size"})) {
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), entry.size);
      if (ec != std::errc() || end != text.data() + text.size() || entry.size < 0) {
        return Malformed("<Size> '" + std::string(text.substr(0, 40)) + "' is not a byte count");
      }
    } else if (Is(path, {"ListBucketResult", "Contents"})) {
      if (entry.key.empty()) return Malformed("a <Contents> without a <Key>");
      page.objects.push_back(std::move(entry));
    } else if (Is(path, {"ListBucketResult", "IsTruncated"})) {
      if (text != "true" && text != "false") {
        return Malformed("<IsTruncated> '" + std::string(text.substr(0, 40)) + "' is not true or false");
      }
      page.truncated = text == "true";
      has_truncated = true;
    } else if (Is(path, {"ListBucketResult", "NextContinuationToken"})) {
      page.next_continuation_token = std::string(text);
    }
    return Status::Ok();
  };
  XmlWalk walk(on_start, on_end);
  OFS_RETURN_IF_ERROR(walk.Run(xml));
  if (!has_truncated) return Malformed("no <IsTruncated>");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Malformed("a truncated page without a <NextContinuationToken>");
  }
  return page;
}

std::optional<ErrorDocument> DecodeError(std::string_view xml) {
  ErrorDocument error;
  auto on_start = [](const XmlWalk::Path& path, std::string_view) -> Status {
    if (path.size() == 1 && path[0] != "Error") return Status(ErrorCode::kInvalidRequest, "not an error");
    return Status::Ok();
  };
  auto on_end = [&](const XmlWalk::Path& path, std::string_view text) -> Status {
    if (Is(path, {"Error", "Code"})) error.code = std::string(text);
    if (Is(path, {"Error", "Message"})) error.message = std::string(text);
    return Status::Ok();
  };
  XmlWalk walk(on_start, on_end);
  if (!walk.Run(xml).ok() || error.code.empty()) return std::nullopt;
  return error;
}

}  // namespace ofs::s3
