# Host core: pacing and flow control with a manual clock, code lifecycle, audit log, options, consent rules,
# top-off, exact pixel updates, scrolls and window drags end to end through VideoStreamer turn by turn on a
# manual clock (a drag also on a private Xvfb with the real capturer), one real-time threaded smoke test,
# the desktop environment, the pure frame planner, the loop (encoder factory, flow control) turn by turn,
# the SessionInfo the host sends after consent (host key derivation).
elfdesk_add_test(NAME host_core_tests LABELS host
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/frame_scheduler_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/code_keeper_tests.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/resume_table_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/session_info_tests.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/audit_log_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/host_options_tests.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/top_off_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/pixel_update_tests.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/scroll_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/window_drag_x11_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/streamer_smoke_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/desktop_environment_tests.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/frame_planner_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/video_streamer_tests.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/path_reporter_tests.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/region_stream_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/scaled_stream_tests.cpp
  LIBS elfdesk_host_core elfdesk_decode elfdesk_media deps::x11)
elfdesk_precompile_network_headers(host_core_tests)
# The rate controller (FrameScheduler + PathEstimate) on a simulated link with a manual clock (issue 13):
# capacity steps, an RTT jump, a stall, a loss burst. Host core only, seconds to run.
elfdesk_add_test(NAME rate_control_tests LABELS host
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/rate_control_sim_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/sim_link.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/sim_session.cpp
  LIBS elfdesk_host_core)
