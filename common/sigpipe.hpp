// SIGPIPE as an error, not a death: the host's and the viewer's main() call this first, on the main thread
// before any other starts (sigaction is process-wide). The relay ignores SIGPIPE itself (it execs nothing).
#pragma once

namespace elfdesk {

// A write to a vanished peer (the X server at logout, a dropped socket) must be an error the code handles,
// not SIGPIPE's silent death. A no-op handler rather than SIG_IGN: exec() resets handlers, so the programs
// a probe or a remedy starts get the default back (an ignored SIGPIPE would be inherited by them).
void ignore_sigpipe_here_only();

}  // namespace elfdesk
