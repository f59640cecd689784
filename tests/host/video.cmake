# Host video tests (owner: video): media utilities, VP8 encoder, X11 capturer under a private Xvfb.
elfdesk_add_test(NAME video_host_tests
  SOURCES media_test.cpp vp8_encoder_test.cpp vp8_top_off_test.cpp spare_encoder_test.cpp x11_capturer_test.cpp
          damage_settle_test.cpp
  LIBS elfdesk_media elfdesk_encode elfdesk_decode elfdesk_capture deps::x11)
