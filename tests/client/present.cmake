# Presenter tests: ordered update queue, and the SDL presenter drawing into a window of a private Xvfb.
elfdesk_add_test(NAME present_client_tests
  SOURCES present_queue_test.cpp present_sdl_test.cpp ${PROJECT_SOURCE_DIR}/tests/host/ui_keep_libraries.cpp
  LIBS elfdesk_present elfdesk_media deps::sdl2 deps::x11 deps::threads)
# The viewer's picture: VP8 pictures taken inside their coded areas and exact pixels, also on real VP8
# output; partial colour conversion and scaling; PixelUpdates unpacked (BGRA and palette).
elfdesk_add_test(NAME remote_picture_tests
  SOURCES remote_picture_test.cpp pixel_unpack_test.cpp
  LIBS elfdesk_present elfdesk_media elfdesk_encode elfdesk_decode deps::yuv)
