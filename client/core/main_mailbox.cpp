#include "client/core/main_mailbox.hpp"

#include <utility>

namespace elfdesk::client {

void MainMailbox::set_waker(std::function<void()> waker) {
  const std::lock_guard lock(mutex_);
  waker_ = std::move(waker);
}

template <class F>
void MainMailbox::put(F&& store) {
  std::function<void()> wake;
  {
    const std::lock_guard lock(mutex_);
    store(contents_);
    wake = waker_;
  }
  if (wake) wake();
}

void MainMailbox::put_cursor_shape(protocol::CursorShape shape) {
  put([&](Contents& c) { c.cursor_shape = std::move(shape); });
}

void MainMailbox::put_cursor_position(protocol::CursorPosition position) {
  put([&](Contents& c) { c.cursor_position = position; });
}

void MainMailbox::put_clipboard(std::string text) {
  put([&](Contents& c) { c.clipboard = std::move(text); });
}

void MainMailbox::post(std::function<void()> task) {
  put([&](Contents& c) { c.tasks.push_back(std::move(task)); });
}

MainMailbox::Contents MainMailbox::take() {
  const std::lock_guard lock(mutex_);
  return std::exchange(contents_, {});
}

}  // namespace elfdesk::client
