// The desktop of `--fake-screen`: a generated moving test pattern, no input, no clipboard. For tests and
// demonstrations without an X server.
#include "host/platform/desktop_environment.hpp"

namespace elfdesk::host {

namespace {

class TestPatternDesktopEnvironment final : public DesktopEnvironment {
 public:
  TestPatternDesktopEnvironment(int width, int height) : width_(width), height_(height) {}
  std::string name() const override { return "test pattern"; }
  std::expected<std::unique_ptr<ScreenCapturer>, Error> make_capturer() const override {
    return make_test_pattern_capturer(width_, height_);
  }
  std::expected<std::unique_ptr<InputInjector>, Error> make_injector(Rect) const override {
    return std::unique_ptr<InputInjector>();
  }
  std::expected<std::unique_ptr<SharedClipboard>, Error> make_clipboard() const override {
    return std::unique_ptr<SharedClipboard>();
  }
  std::expected<Rect, Error> check() const override { return Rect{0, 0, width_, height_}; }
  bool lost() const override { return false; }

 private:
  int width_, height_;
};

}  // namespace

std::shared_ptr<DesktopEnvironment> make_test_pattern_desktop_environment(int width, int height) {
  return std::make_shared<TestPatternDesktopEnvironment>(width, height);
}

}  // namespace elfdesk::host
