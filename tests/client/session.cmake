# Client session core: the probe client's ownership of request ids, and SessionCore over real TLS on
# loopback with a real VP8 keyframe (the host side played by the test).
elfdesk_add_test(NAME session_client_tests TIMEOUT 60
  SOURCES probe_client_test.cpp session_core_test.cpp
  LIBS elfdesk_client_core elfdesk_encode elfdesk_media)
