# Client video tests (owner: video): VP8 decoder and the PictureReceiver fed by the real encoder.
elfdesk_add_test(NAME video_client_tests
  SOURCES vp8_decoder_test.cpp picture_receiver_test.cpp
  LIBS elfdesk_decode elfdesk_encode elfdesk_media elfdesk_common)
