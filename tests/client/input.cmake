# Client input tests: SDL event mapping with synthetic events (SDL_INIT_EVENTS, dummy video driver).
elfdesk_add_test(NAME input_client_tests TIMEOUT 60
  SOURCES input_mapper_test.cpp
  LIBS elfdesk_input_client deps::sdl2)
