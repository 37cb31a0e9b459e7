#pragma once
// WaitQueue: an event loop's connections waiting for room in the output budget (output_budget.h), in
// arrival order. Intrusive, like DeadlineList: O(1) to push, pop or remove, no allocation. A node is in
// at most one queue. Not thread-safe: one loop owns its queue and the nodes in it.

#include <cstddef>

namespace ofs::http {

// Embedded in whatever waits (a Connection).
struct WaitNode {
  WaitNode* wait_prev = nullptr;
  WaitNode* wait_next = nullptr;
  bool waiting = false;
};

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  bool empty() const { return head_ == nullptr; }
  size_t size() const { return size_; }

  // Appends `node` unless it is already waiting.
  void Push(WaitNode* node) {
    if (node->waiting) return;
    node->waiting = true;
    node->wait_prev = tail_;
    node->wait_next = nullptr;
    if (tail_ != nullptr) {
      tail_->wait_next = node;
    } else {
      head_ = node;
    }
    tail_ = node;
    ++size_;
  }

  // Removes `node` if it is waiting here.
  void Remove(WaitNode* node) {
    if (!node->waiting) return;
    if (node->wait_prev != nullptr) {
      node->wait_prev->wait_next = node->wait_next;
    } else {
      head_ = node->wait_next;
    }
    if (node->wait_next != nullptr) {
      node->wait_next->wait_prev = node->wait_prev;
    } else {
      tail_ = node->wait_prev;
    }
    node->wait_prev = node->wait_next = nullptr;
    node->waiting = false;
    --size_;
  }

  // Removes and returns the longest-waiting node; nullptr when empty.
  WaitNode* Pop() {
    WaitNode* node = head_;
    if (node != nullptr) Remove(node);
    return node;
  }

 private:
  WaitNode* head_ = nullptr;
  WaitNode* tail_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ofs::http
