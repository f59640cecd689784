# Client input tests: SDL event mapping with synthetic events (SDL_INIT_EVENTS, dummy video driver), and the
# viewport's 1:1 scroll maths.
elfdesk_add_test(NAME input_client_tests TIMEOUT 60
  SOURCES input_mapper_test.cpp viewport_scroll_test.cpp
  LIBS elfdesk_input_client deps::sdl2)
