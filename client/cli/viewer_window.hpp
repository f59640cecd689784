// `elfdesk view`'s main thread: SDL events to input messages and local shortcuts, pictures from the
// UpdateQueue onto the window and then acknowledged, cursor, clipboard and tasks from the MainMailbox, the
// statistics overlay, the panels (triage, chat, status), the menu, scale, scrolling and fullscreen
// remembered per host. Main thread only; uses the presenter and network it is given.
#pragma once
#include <cstdint>
#include <optional>
#include <expected>
#include <string>

#include <SDL.h>

#include <map>
#include <vector>

#include "client/cli/viewer_menu.hpp"
#include "client/cli/viewer_network.hpp"
#include "client/cli/viewer_state.hpp"
#include "client/input/input_mapper.hpp"
#include "client/present/sdl_presenter.hpp"
#include "client/record/session_recorder.hpp"
#include "common/probes/probe_wire.hpp"
#include "common/remedies/remedy_wire.hpp"

namespace elfdesk::client {

struct ViewSettings {
  bool view_only = false;
  bool share_clipboard = false;
  bool remedies = false;   // the triage panel offers each finding's remedy (all but view-only sessions)
  bool scale_given = false;  // --scale: the remembered scale mode of the host does not apply
  std::string host_label;  // the title's name for the host until its SessionInfo names it
  // What the view is remembered by when the host sends no SessionInfo (an older elfdesk-host): the
  // address dialled directly; empty through a relay or in reverse mode (then nothing is remembered).
  std::string address_key;
  SessionRecorder* recorder = nullptr;  // --record: offered every picture shown once the customer allowed it
};

class ViewerWindow {
 public:
  ViewerWindow(SdlPresenter& window, ViewerNetwork& network, ViewerShared& shared, ViewSettings settings);

  ~ViewerWindow();
  PresenterLoop loop();
  // After the loop: lets go of every key and button held on the host.
  void release_all();

 private:
  bool on_event(const void* sdl_event);
  void on_wake();
  void on_tick();
  void show_mailbox();
  // Panels (viewer_panels.cpp): triage as a table of findings with their remedies, the status panel.
  void toggle_triage();
  void show_triage(const std::expected<probes::ReceivedReport, Error>& answer);
  void run_remedy(const nlohmann::json& remedy);
  void show_remedy(const std::expected<remedies::ReceivedRemedy, Error>& answer);
  bool on_panel_event(const SDL_Event& e);
  void show_session_status();
  // View controls and the menu (viewer_controls.cpp): fullscreen, scale, scrolling, per-host memory.
  bool on_view_event(const SDL_Event& e);
  bool on_menu_event(const SDL_Event& e, bool& keep_running);
  void open_menu(bool open);
  void draw_menu();
  bool activate(const MenuItem& item);  // false: end the session
  void toggle_fullscreen();
  void toggle_scale();
  void edge_pan();
  void apply_remembered();
  void remember();
  std::string host_title() const;  // "user@machine" once the host said, else its Hello name or host_label
  void send_local_clipboard();
  void show_status();
  void record();
  // Chat panel (Ctrl+Alt+C) and a dropped file (pushed to the customer): viewer_chat.cpp.
  bool on_chat_event(const SDL_Event& e);
  void show_chat();
  void open_chat();  // for typing, as Ctrl+Alt+C
  void push_dropped(std::string path);

  SdlPresenter& window_;
  ViewerNetwork& network_;
  ViewerShared& shared_;
  ViewSettings settings_;
  InputMapper mapper_;
  bool panel_open_ = false;     // the triage panel
  bool status_open_ = false;    // the status panel (from the menu)
  nlohmann::json suggested_;    // the remedy the shown triage suggests first ({name, args}), or null
  std::map<int, nlohmann::json> remedy_lines_;  // panel line -> the remedy a click on it asks for
  ViewerStateFile state_file_;
  bool remembered_applied_ = false;  // the host's remembered view was looked up (once its name is known)
  bool menu_open_ = false;
  int menu_selected_ = 0;
  std::vector<MenuItem> menu_items_;
  int pointer_x_ = -1, pointer_y_ = -1;  // last pointer position in the window, for edge panning
  SDL_TimerID pan_timer_ = 0;  // while the pointer rests at an edge in 1:1: wakes the loop to pan on
  std::string shown_status_;    // the status panel's text, empty when hidden
  bool focused_ = false;        // keyboard focus: only then does the local clipboard go to the customer
  std::string last_clipboard_;  // newest text either side set: never echoed back
  std::uint64_t last_bytes_ = 0, last_pictures_ = 0;
  std::optional<protocol::CursorShape> cursor_shape_;  // for the recording: the presenter keeps only a surface
  protocol::CursorPosition cursor_position_{0, 0, false};
  bool chat_open_ = false;     // the chat panel
  bool chat_typing_ = false;   // keys go into chat_input_, not to the customer
  std::string chat_input_;
  std::size_t chat_seen_ = 0;  // chat lines shown so far
  std::string shown_transfer_;
};

}  // namespace elfdesk::client
