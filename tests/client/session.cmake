# Client session core: the probe client's ownership of request ids.
elfdesk_add_test(NAME session_client_tests TIMEOUT 60
  SOURCES probe_client_test.cpp
  LIBS elfdesk_client_core)
