# Consent UI tests: text helpers, terminal UI over a pipe, the SDL window under a private Xvfb.
elfdesk_add_test(NAME ui_host_tests
  SOURCES ui_display_text_test.cpp ui_terminal_test.cpp ui_sdl_consent_test.cpp ui_keep_libraries.cpp
  LIBS elfdesk_ui_host deps::x11 deps::threads)
