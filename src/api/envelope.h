#pragma once
// The response envelopes of API.md section 1: success {"data": ...} and
// error {"error": {"message", "cause", "code"}} with the code's HTTP status. Every handler and the
// HTTP server's own errors go through these, so the mapping exists once.

#include <string_view>

#include "base/status.h"
#include "codec/json_writer.h"
#include "http/server.h"

namespace ofs::api {

// Replaces the response with the error envelope of `status` (status must not be OK).
void WriteError(const Status& status, http::Response& response);

// Starts `{"data":` in response.body and returns a writer positioned for the payload value; call
// EndData after writing exactly one value.
codec::JsonWriter BeginData(http::Response& response);
void EndData(codec::JsonWriter& writer);

}  // namespace ofs::api
