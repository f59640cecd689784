// The viewer's per-host memory (ViewerStateFile) in a temporary directory: remembered and found again by
// a fresh load, replaced atomically (no temporary left), malformed files ignored, the oldest hosts
// forgotten beyond the cap, XDG_STATE_HOME honoured; keyed by the host key before the dialled address; and
// the menu's items and key combinations.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <filesystem>
#include <fstream>
#include <variant>

#include "client/cli/viewer_menu.hpp"
#include "client/cli/viewer_state.hpp"

using namespace elfdesk::client;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    char pattern[] = "/tmp/elfdesk-state-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path); }
};
}  // namespace

TEST_CASE("viewer state: a host's scale and fullscreen come back after a restart") {
  TempDir dir;
  const fs::path file = dir.path / "nested" / "viewer.json";
  auto state = ViewerStateFile::load(file);
  CHECK_FALSE(state.find("alice-laptop"));
  REQUIRE(state.remember("alice-laptop", {true, false}).has_value());
  REQUIRE(state.remember("bob-pc", {false, true}).has_value());
  REQUIRE(state.remember("alice-laptop", {true, true}).has_value());  // changed: replaces
  CHECK((fs::status(dir.path / "nested").permissions() & fs::perms::all) == fs::perms::owner_all);
  for (const auto& entry : fs::directory_iterator(dir.path / "nested"))  // the temporary was renamed away
    CHECK(entry.path().filename() == "viewer.json");
  const auto again = ViewerStateFile::load(file);
  CHECK(again.find("alice-laptop") == HostViewState{true, true});
  CHECK(again.find("bob-pc") == HostViewState{false, true});
  CHECK_FALSE(again.find("carol"));
}

TEST_CASE("viewer state: keyed by the host key whatever the route, the dialled address only for older hosts") {
  CHECK(view_key("00ff", "address 10.0.0.5") == "key 00ff");
  CHECK(view_key("00ff", "") == "key 00ff");  // relay or --listen: no address, the same key
  CHECK(view_key("", "address 10.0.0.5") == "address 10.0.0.5");  // an older host dialled directly
  CHECK(view_key("", "").empty());  // an older host through a relay: nothing to remember it by
  TempDir dir;
  const fs::path file = dir.path / "viewer.json";
  auto state = ViewerStateFile::load(file);
  REQUIRE(state.remember(view_key("aaaa", "address 10.0.0.5"), {true, true}).has_value());  // dialled
  REQUIRE(state.remember(view_key("", "address 10.0.0.5"), {false, true}).has_value());     // an older host there
  const auto again = ViewerStateFile::load(file);
  CHECK(again.find(view_key("aaaa", "")) == HostViewState{true, true});  // the same machine through a relay
  // Another machine shares nothing, through the same relay or at the same address.
  CHECK_FALSE(again.find(view_key("bbbb", "")));
  CHECK_FALSE(again.find(view_key("bbbb", "address 10.0.0.5")));
  CHECK(again.find(view_key("", "address 10.0.0.5")) == HostViewState{false, true});
}

TEST_CASE("viewer state: a malformed or foreign file is an empty state, and is replaced on the next save") {
  TempDir dir;
  const fs::path file = dir.path / "viewer.json";
  for (const char* text : {"", "not json", "[1,2]", R"({"hosts": {"a": 1}})", R"({"hosts": [1, {"host": 3}]})",
                           R"({"hosts": [{"host": "zz", "scale": 1, "fullscreen": "yes"}]})"}) {
    std::ofstream(file) << text;
    auto state = ViewerStateFile::load(file);
    CHECK_FALSE(state.find("a"));
    REQUIRE(state.remember("a", {true, false}).has_value());
    CHECK(ViewerStateFile::load(file).find("a") == HostViewState{true, false});
  }
}

TEST_CASE("viewer state: beyond the cap the least recently saved host is forgotten") {
  TempDir dir;
  auto state = ViewerStateFile::load(dir.path / "viewer.json");
  for (std::size_t i = 0; i <= ViewerStateFile::kMaxHosts; ++i)
    REQUIRE(state.remember("host-" + std::to_string(i), {i % 2 == 0, false}).has_value());
  const auto again = ViewerStateFile::load(dir.path / "viewer.json");
  CHECK_FALSE(again.find("host-0"));
  CHECK(again.find("host-1") == HostViewState{false, false});
  CHECK(again.find("host-" + std::to_string(ViewerStateFile::kMaxHosts)) == HostViewState{true, false});
}

TEST_CASE("viewer state: the file lives under XDG_STATE_HOME, else ~/.local/state") {
  const char* old_state = std::getenv("XDG_STATE_HOME");
  const std::string saved = old_state ? old_state : "";
  setenv("XDG_STATE_HOME", "/somewhere/state", 1);
  CHECK(ViewerStateFile::default_path() == fs::path("/somewhere/state/elfdesk/viewer.json"));
  unsetenv("XDG_STATE_HOME");
  setenv("HOME", "/home/eng", 1);
  CHECK(ViewerStateFile::default_path() == fs::path("/home/eng/.local/state/elfdesk/viewer.json"));
  if (old_state) setenv("XDG_STATE_HOME", saved.c_str(), 1);
}

TEST_CASE("viewer menu: items follow the session; monitors from the host's list select by index") {
  const auto find = [](const std::vector<MenuItem>& items, MenuAction action) {
    return std::find_if(items.begin(), items.end(), [&](const MenuItem& i) { return i.action == action; });
  };
  elfdesk::protocol::MonitorList none;
  auto items = build_menu({false, true, false, false, false, false, &none});
  CHECK_FALSE(find(items, MenuAction::send_ctrl_alt_del)->enabled);  // no control permission: not sent
  const auto single = find(items, MenuAction::monitor);
  CHECK(single->label.find("one monitor") != std::string::npos);
  CHECK_FALSE(single->enabled);
  CHECK(find(items, MenuAction::end_session)->enabled);
  CHECK(move_selection(items, -1, 1) == 6);  // the first enabled item: keys, grab and monitor are not, so scale

  elfdesk::protocol::MonitorList two{{{"HDMI-1", 0, 0, 1920, 1080, true}, {"DP-2", 1920, 0, 1280, 1024, false}}, -1};
  items = build_menu({true, true, false, true, false, false, &two});
  CHECK(find(items, MenuAction::send_ctrl_alt_del)->enabled);
  std::vector<MenuItem> monitors;
  std::copy_if(items.begin(), items.end(), std::back_inserter(monitors),
               [](const MenuItem& i) { return i.action == MenuAction::monitor; });
  REQUIRE(monitors.size() == 3);
  CHECK((monitors[0].monitor == -1 && monitors[0].label.starts_with("(*) All")));
  CHECK((monitors[2].monitor == 1 && monitors[2].label.find("DP-2 1280x1024") != std::string::npos));
  CHECK(std::all_of(monitors.begin(), monitors.end(), [](const MenuItem& i) { return i.enabled; }));
  // Wrapping around past the end and skipping nothing when everything is enabled.
  CHECK(move_selection(items, static_cast<int>(items.size()) - 1, 1) == 0);
  CHECK(move_selection(items, 0, -1) == static_cast<int>(items.size()) - 1);
}

TEST_CASE("viewer menu: Ctrl+Alt+Del goes as key downs, then ups in reverse, with the modifiers' state") {
  using elfdesk::protocol::KeyEvent;
  namespace ks = elfdesk::protocol::key_state;
  const auto messages = key_combination(MenuAction::send_ctrl_alt_del);
  REQUIRE(messages.size() == 6);
  std::vector<KeyEvent> keys;
  for (const auto& m : messages) keys.push_back(std::get<KeyEvent>(m));
  CHECK((keys[0].keysym == 0xffe3 && keys[0].down && keys[0].usb_code == 0xe0));   // Control_L
  CHECK((keys[1].keysym == 0xffe9 && keys[1].down && keys[1].state == ks::kControl));  // Alt_L
  CHECK((keys[2].keysym == 0xffff && keys[2].down && keys[2].usb_code == 0x4c &&
         keys[2].state == (ks::kControl | ks::kAlt)));  // Delete
  CHECK((keys[3].keysym == 0xffff && !keys[3].down));
  CHECK((keys[4].keysym == 0xffe9 && !keys[4].down && keys[4].state == ks::kControl));
  CHECK((keys[5].keysym == 0xffe3 && !keys[5].down && keys[5].state == 0));
  const auto alt_tab = key_combination(MenuAction::send_alt_tab);
  REQUIRE(alt_tab.size() == 4);
  CHECK(std::get<KeyEvent>(alt_tab[1]).keysym == 0xff09);
  CHECK(std::get<KeyEvent>(key_combination(MenuAction::send_super)[0]).keysym == 0xffeb);
  CHECK(std::get<KeyEvent>(key_combination(MenuAction::send_print)[0]).keysym == 0xff61);
  CHECK(key_combination(MenuAction::fullscreen).empty());
}
