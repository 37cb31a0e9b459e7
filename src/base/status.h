#pragma once
// Status and Result<T>: the error model of every request and ingest path (no exceptions on the data
// plane). A Status is one pointer wide; OK allocates nothing. Both are [[nodiscard]]: drop one on
// purpose with `.IgnoreError()` so that the intent is greppable.

#include <cassert>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/error_code.h"

namespace ofs {

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message, std::string cause = {})
      : state_(code == ErrorCode::kOk
                   ? nullptr
                   : std::make_unique<State>(State{code, std::move(message), std::move(cause)})) {}
  Status(const Status& other) : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  ErrorCode code() const { return state_ ? state_->code : ErrorCode::kOk; }
  std::string_view message() const { return state_ ? std::string_view(state_->message) : std::string_view(); }
  std::string_view cause() const { return state_ ? std::string_view(state_->cause) : std::string_view(); }
  // "CODE: message (cause)" for logs and tests.
  std::string ToString() const;
  // Whether the same operation may succeed when tried again: the engine or the network behind it was
  // down, slow or overloaded, as opposed to a request that fails the same way every time. Engine
  // adapters set it (storage/cassandra); callers that retry (ingestion) or answer 503 read it.
  bool retryable() const { return state_ != nullptr && state_->retryable; }
  // This status, marked retryable (OK stays OK).
  Status MarkRetryable() && {
    if (state_) state_->retryable = true;
    return std::move(*this);
  }

  void IgnoreError() const {}

 private:
  struct State {
    ErrorCode code;
    std::string message;
    std::string cause;
    bool retryable = false;
  };
  std::unique_ptr<State> state_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT
  Result(ErrorCode code, std::string message, std::string cause = {})
      : v_(Status(code, std::move(message), std::move(cause))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  Status TakeStatus() && { return ok() ? Status() : std::move(std::get<Status>(v_)); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ofs

// Returns early with the status of `expr` when it is not OK.
#define OFS_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::ofs::Status ofs_status_ = (expr);        \
    if (!ofs_status_.ok()) return ofs_status_; \
  } while (0)

#define OFS_CONCAT_INNER_(a, b) a##b
#define OFS_CONCAT_(a, b) OFS_CONCAT_INNER_(a, b)
// OFS_ASSIGN_OR_RETURN(auto x, ResultExpr()): declares x from the value or returns the status.
#define OFS_ASSIGN_OR_RETURN(lhs, expr)                                \
  auto OFS_CONCAT_(ofs_result_, __LINE__) = (expr);                    \
  if (!OFS_CONCAT_(ofs_result_, __LINE__).ok())                        \
    return std::move(OFS_CONCAT_(ofs_result_, __LINE__)).TakeStatus(); \
  lhs = std::move(OFS_CONCAT_(ofs_result_, __LINE__))                  \
            .value()  // NOLINT(bugprone-macro-parentheses): lhs is a declaration
