// elfdesk_bench_probe: the X11 measuring tool behind bench/run.py. Usage:
//   elfdesk_bench_probe MODE --key value ...   (MODE: latency, input, count, psnr, drag, wallpaper)
// Prints one JSON object on stdout. Not a product binary; never run by CTest.
#include <cstdio>
#include <exception>
#include <string>

#include "bench/probe/probe_modes.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: elfdesk_bench_probe latency|input|count|psnr|drag|wallpaper --key value ...\n", stderr);
    return 2;
  }
  const std::string mode = argv[1];
  bench::Options options;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0) {
      std::fprintf(stderr, "elfdesk_bench_probe: expected --key, got %s\n", key.c_str());
      return 2;
    }
    options[key.substr(2)] = argv[i + 1];
  }
  try {
    if (mode == "latency") return bench::run_latency(options);
    if (mode == "input") return bench::run_input(options);
    if (mode == "count") return bench::run_count(options);
    if (mode == "psnr") return bench::run_psnr(options);
    if (mode == "drag") return bench::run_drag(options);
    if (mode == "wallpaper") return bench::run_wallpaper(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "elfdesk_bench_probe: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "elfdesk_bench_probe: unknown mode %s\n", mode.c_str());
  return 2;
}
