// ConsentUi for a text terminal (no display, or --consent terminal): prints the code and the question,
// reads "y"/"n" lines on its own reader thread so the network thread never blocks on input.
// run() processes input on the calling thread; callbacks run there. Lines typed before a question was
// asked never answer it. The input descriptor and `out` must outlive the UI; the UI never closes the
// descriptor, and its reader thread has ended when the destructor returns. Throws std::system_error when
// it cannot create the pipe that wakes its reader (out of descriptors).
#pragma once
#include <iosfwd>
#include <memory>

#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

// Answers: "y" or "yes" (any case) allows; any other line, or end of input, denies.
// During a session the line "end" ends it; "quit" asks to quit (on_quit, or quit() when unset).
std::unique_ptr<ConsentUi> make_terminal_consent_ui(int input_fd, std::ostream& out);

}  // namespace elfdesk::host
