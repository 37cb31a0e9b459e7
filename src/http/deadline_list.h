#pragma once
// DeadlineList: the timers of an event loop. Every list has one fixed timeout, so appending at the tail
// keeps it sorted by deadline and expiry only ever looks at the head: O(1) to arm, re-arm or cancel, no
// heap allocation and no syscall (the loop passes its cached coarse clock). A node is in at most one list.
// Not thread-safe: one loop owns its lists and their nodes.

#include <cstdint>

namespace ofs::http {

class DeadlineList;

// Embedded in whatever is timed (a Connection).
struct DeadlineNode {
  DeadlineNode* prev = nullptr;
  DeadlineNode* next = nullptr;
  DeadlineList* list = nullptr;  // the list holding this node, nullptr when unarmed
  int64_t deadline_ms = 0;
};

class DeadlineList {
 public:
  explicit DeadlineList(int64_t timeout_ms) : timeout_ms_(timeout_ms) {}
  DeadlineList(const DeadlineList&) = delete;
  DeadlineList& operator=(const DeadlineList&) = delete;

  int64_t timeout_ms() const { return timeout_ms_; }
  bool empty() const { return head_ == nullptr; }
  DeadlineNode* front() const { return head_; }

  // (Re-)arms `node` to expire at start_ms + timeout, moving it from whichever list holds it. start_ms must
  // not be earlier than that of the nodes already armed here (the loop's clock only moves forward).
  void Arm(DeadlineNode* node, int64_t start_ms) {
    Cancel(node);
    node->deadline_ms = start_ms + timeout_ms_;
    node->list = this;
    node->prev = tail_;
    node->next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = node;
    } else {
      head_ = node;
    }
    tail_ = node;
  }

  // Removes `node` from the list holding it, if any.
  static void Cancel(DeadlineNode* node) {
    DeadlineList* list = node->list;
    if (list == nullptr) return;
    if (node->prev != nullptr) {
      node->prev->next = node->next;
    } else {
      list->head_ = node->next;
    }
    if (node->next != nullptr) {
      node->next->prev = node->prev;
    } else {
      list->tail_ = node->prev;
    }
    node->prev = node->next = nullptr;
    node->list = nullptr;
  }

 private:
  int64_t timeout_ms_;
  DeadlineNode* head_ = nullptr;
  DeadlineNode* tail_ = nullptr;
};

}  // namespace ofs::http
