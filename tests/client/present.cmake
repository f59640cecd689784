# Presenter tests: latest-frame mailbox, and the SDL presenter drawing into a window of a private Xvfb.
elfdesk_add_test(NAME present_client_tests
  SOURCES present_mailbox_test.cpp present_sdl_test.cpp ${PROJECT_SOURCE_DIR}/tests/host/ui_keep_libraries.cpp
  LIBS elfdesk_present elfdesk_media deps::sdl2 deps::x11 deps::threads)
# The viewer's picture model: changed-block detection and partial conversion, also on real VP8 output.
elfdesk_add_test(NAME present_picture_tests
  SOURCES present_picture_test.cpp
  LIBS elfdesk_present elfdesk_media elfdesk_encode elfdesk_decode deps::yuv)
