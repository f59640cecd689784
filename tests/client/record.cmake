# Session recordings: the recorder writes a WebM that ffprobe reads (VP8, the pictures offered, how long),
# whose last frame ffmpeg decodes to the last picture offered; the cursor is drawn in.
elfdesk_add_test(NAME record_client_tests
  SOURCES session_recorder_test.cpp
  LIBS elfdesk_record elfdesk_media deps::threads)
