# The host's defences against strangers, end to end over real TLS on loopback against a real HostServer
# in the test process: guesses per code, stale codes, per-address limits, audit flooding.
elfdesk_add_test(NAME host_security_tests LABELS host
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_auth_attack_tests.cpp ${CMAKE_CURRENT_SOURCE_DIR}/host_lockout_tests.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/attack_client.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/host_fixture.cpp
  LIBS elfdesk_host_core)
elfdesk_precompile_network_headers(host_security_tests)

# Local file safety of what the programs write (the screenshot PNG).
elfdesk_add_test(NAME file_safety_tests LABELS host
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/png_write_safety_test.cpp
  LIBS elfdesk_media)

# What the customer is shown about strangers (terminal, and the window on a private Xvfb).
elfdesk_add_test(NAME ui_warning_tests LABELS host
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/ui_failed_attempts_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/ui_keep_libraries.cpp
  LIBS elfdesk_ui_host deps::x11 deps::threads)
