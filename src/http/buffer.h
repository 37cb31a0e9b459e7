#pragma once
// ByteBuffer: a growable byte array whose unread bytes are [begin, end). Used for a connection's read and
// write buffers: capacity is kept across requests (no allocation in steady state), storage is never
// zero-filled, and consuming everything rewinds to the front for free.
// Not thread-safe (owned by one connection on one loop).

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace ofs::http {

class ByteBuffer {
 public:
  const char* data() const { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return {data(), size()}; }

  // Drops `n` unread bytes from the front (n <= size()).
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  void Clear() { begin_ = end_ = 0; }

  // Returns the writable tail, at least `min_bytes` long: moves unread bytes to the front or grows.
  char* PrepareWrite(size_t min_bytes) {
    if (capacity_ - end_ >= min_bytes) return data_.get() + end_;
    size_t unread = size();
    if (capacity_ - unread >= min_bytes && capacity_ >= 2 * unread) {
      std::memmove(data_.get(), data(), unread);
    } else {
      size_t grown = std::max({capacity_ * 2, unread + min_bytes, kMinCapacity});
      auto bigger = std::make_unique_for_overwrite<char[]>(grown);
      if (unread > 0) std::memcpy(bigger.get(), data(), unread);
      data_ = std::move(bigger);
      capacity_ = grown;
    }
    begin_ = 0;
    end_ = unread;
    return data_.get() + end_;
  }
  size_t writable() const { return capacity_ - end_; }
  // Marks `n` bytes written into the tail returned by PrepareWrite as unread data.
  void Commit(size_t n) { end_ += n; }

  void Append(std::string_view s) {
    if (s.empty()) return;
    std::memcpy(PrepareWrite(s.size()), s.data(), s.size());
    end_ += s.size();
  }
  void Append(char c) {
    *PrepareWrite(1) = c;
    ++end_;
  }

  // Frees the storage when nothing is unread and it grew beyond `keep_bytes` (one huge message must not
  // pin memory for the rest of a long-lived connection).
  void ShrinkIfIdle(size_t keep_bytes) {
    if (empty() && capacity_ > keep_bytes) {
      data_.reset();
      capacity_ = begin_ = end_ = 0;
    }
  }

 private:
  static constexpr size_t kMinCapacity = 4096;
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace ofs::http
