// Test support: starts a private Xvfb server (real X, with MIT-SHM, DAMAGE, XFIXES, XTEST, RANDR)
// for the lifetime of the object and stops it on destruction. Used from the test's main thread.
#pragma once
#include <string>
#include <sys/types.h>

namespace elfdesk::test {

class XvfbServer {
 public:
  // Starts `Xvfb -displayfd` with one screen of width x height x 24 and waits until it accepts clients.
  // Throws std::runtime_error when Xvfb cannot be started.
  XvfbServer(int width = 1280, int height = 720);
  ~XvfbServer();
  XvfbServer(const XvfbServer&) = delete;
  XvfbServer& operator=(const XvfbServer&) = delete;

  const std::string& display() const { return display_; }  // e.g. ":99"

 private:
  pid_t pid_ = -1;
  std::string display_;
};

// Runs a shell command with DISPLAY set to `display`; returns its exit status.
int run_on_display(const std::string& display, const std::string& command);

}  // namespace elfdesk::test
