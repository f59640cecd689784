// The probe's subcommands; each runs on the calling thread, prints one JSON object on stdout and returns
// the process exit code. Options are plain key/value pairs parsed in probe_main.cpp.
#pragma once
#include <map>
#include <string>

namespace bench {

using Options = std::map<std::string, std::string>;

int run_latency(const Options& o);   // marker flips on A, seen on B: glass-to-glass + update bursts
int run_input(const Options& o);     // keys typed on B into the viewer, marker reacts on A, seen on B
int run_count(const Options& o);     // only count update bursts on B (static desktop)
int run_psnr(const Options& o);      // A's root vs the viewer's picture on B
int run_drag(const Options& o);      // drag a window by its title bar on A (XTest) along a path
int run_wallpaper(const Options& o); // a gradient wallpaper with some shapes on A's root

}  // namespace bench
