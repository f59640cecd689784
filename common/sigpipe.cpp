#include "common/sigpipe.hpp"

#include <csignal>

namespace elfdesk {

void ignore_sigpipe_here_only() {
  struct sigaction action {};
  action.sa_handler = [](int) {};
  sigemptyset(&action.sa_mask);
  sigaction(SIGPIPE, &action, nullptr);
}

}  // namespace elfdesk
