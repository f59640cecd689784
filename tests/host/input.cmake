# Host input tests: XTest injection, input guard and X11 clipboard against private Xvfb servers.
set(_input_host_test_sources input_test_window.cpp input_injector_test.cpp)
foreach(_src input_pointer_test.cpp input_guard_test.cpp input_clipboard_test.cpp)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_src})
    list(APPEND _input_host_test_sources ${_src})
  endif()
endforeach()
elfdesk_add_test(NAME input_host_tests TIMEOUT 120
  SOURCES ${_input_host_test_sources}
  LIBS elfdesk_input_host deps::x11)
