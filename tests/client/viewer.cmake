# The viewer's per-host memory (state file in a temporary directory) and its menu model (items, key
# combinations); the viewport's scroll maths is in input.cmake.
elfdesk_add_test(NAME viewer_client_tests TIMEOUT 60
  SOURCES viewer_state_test.cpp
  LIBS elfdesk_client_core)
