#include "api/envelope.h"

namespace ofs::api {

void WriteError(const Status& status, http::Response& response) {
  response.body.clear();
  response.status = ErrorCodeHttpStatus(status.code());
  response.content_type = "application/json";
  codec::JsonWriter w(&response.body);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("message");
  w.String(status.message());
  w.Key("cause");
  w.String(status.cause().empty() ? status.message() : status.cause());
  w.Key("code");
  w.String(ErrorCodeName(status.code()));
  w.EndObject();
  w.EndObject();
}

codec::JsonWriter BeginData(http::Response& response) {
  response.body.append("{\"data\":");
  return codec::JsonWriter(&response.body);
}

void EndData(codec::JsonWriter& writer) { writer.buffer()->push_back('}'); }

}  // namespace ofs::api
