// Encoder benchmark: encode ms/frame, bit rate and PSNR for synthetic 1080p desktop workloads (typing,
// full-screen scroll, window drag, a video region) across VP8 settings (cpu-used, active map on/off).
// Usage: elfdesk_encoder_bench [frames=90] [out.md]. Single-threaded; prints a markdown table.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "client/decode/video_decoder.hpp"
#include "common/media/colour_convert.hpp"
#include "common/media/psnr.hpp"
#include "host/encode/video_encoder.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;

namespace {

constexpr int kW = 1920, kH = 1080, kFps = 30;

// A workload mutates the screen for frame `i` and returns what changed.
using Workload = std::function<std::vector<Rect>(BgraImage&, int)>;

struct Scenario {
  std::string name;
  std::function<Workload(BgraImage&)> setup;  // draws the initial screen, returns the per-frame step
};

std::vector<Scenario> scenarios() {
  return {
      {"typing", [](BgraImage& s) {
         s = test::text_image(kW, kH, 1);
         return Workload([](BgraImage& img, int i) {
           const Rect cell{40 + (i % 200) * 8, 500 + (i / 200) * 16, 8, 16};
           test::draw_text(img, Rect{cell.x - 1, cell.y - 2, 9, 16}, static_cast<std::uint32_t>(i + 1000));
           return std::vector<Rect>{Rect{cell.x - 1, cell.y - 2, 9, 16}};
         });
       }},
      {"scroll", [](BgraImage& s) {
         s = test::text_image(kW, kH, 2);
         return Workload([](BgraImage& img, int i) {
           std::memmove(img.row(0), img.row(16), static_cast<std::size_t>(img.stride) * (kH - 16));
           test::draw_text(img, Rect{0, kH - 16, kW, 16}, static_cast<std::uint32_t>(i + 2000));
           return std::vector<Rect>{Rect{0, 0, kW, kH}};
         });
       }},
      {"window drag", [](BgraImage& s) {
         s = test::text_image(kW, kH, 3);
         auto background = std::make_shared<BgraImage>(s);
         auto window = std::make_shared<BgraImage>(test::text_image(640, 400, 4));
         return Workload([background, window](BgraImage& img, int i) {
           const auto at = [](int t) { return Rect{200 + (t % 100) * 8, 200 + (t % 100) * 4, 640, 400}; };
           const Rect old = at(i - 1), now = at(i);
           for (int y = old.y; y < old.y + old.height; ++y)
             std::memcpy(img.row(y) + old.x * 4, background->row(y) + old.x * 4, 640 * 4);
           for (int y = 0; y < now.height; ++y) std::memcpy(img.row(now.y + y) + now.x * 4, window->row(y), 640 * 4);
           return std::vector<Rect>{old, now};
         });
       }},
      {"video 640x360", [](BgraImage& s) {
         s = test::text_image(kW, kH, 5);
         auto texture = std::make_shared<BgraImage>(test::gradient_image(1600, 900));
         test::draw_noise(*texture, Rect{0, 0, 1600, 900}, 9);
         return Workload([texture](BgraImage& img, int i) {
           const Rect area{640, 360, 640, 360};
           for (int y = 0; y < area.height; ++y)
             std::memcpy(img.row(area.y + y) + area.x * 4, texture->row(y + (i % 200) * 2) + (i % 200) * 4 * 4, 640 * 4);
           return std::vector<Rect>{area};
         });
       }},
  };
}

struct Config {
  std::string name;
  std::optional<int> cpu_used;
  bool active_map;
};

struct Result {
  double avg_ms = 0, p95_ms = 0, kbps = 0, psnr = 0, key_ms = 0;
  std::size_t key_bytes = 0;
};

Result run(const Scenario& scenario, const Config& config, int frames) {
  BgraImage screen;
  Workload step = scenario.setup(screen);
  auto encoder = host::make_vp8_encoder(host::EncoderSettings{kW, kH, 8000, kFps, config.cpu_used, config.active_map});
  auto decoder = client::make_vp8_decoder();
  if (!encoder || !decoder) std::abort();
  std::uint64_t ts = 1;
  auto encode = [&](std::vector<Rect> dirty, bool key, bool top) {
    auto out = (*encoder)->encode(host::EncodeRequest{&screen, std::move(dirty), key, top, ts += 1000000 / kFps});
    if (!out || !*out) std::abort();
    auto pic = (*decoder)->decode((*out)->data, (*out)->keyframe);
    if (!pic) std::abort();
    return std::pair{std::move(**out), std::move(*pic)};
  };
  Result r;
  const auto [key, key_pic] = encode({}, true, false);
  r.key_bytes = key.data.size();
  r.key_ms = key.encode_us / 1000.0;
  encode({}, false, true);  // top-off, as the pipeline does once the screen is still
  std::vector<double> ms;
  std::size_t bytes = 0;
  double psnr_sum = 0;
  for (int i = 1; i <= frames; ++i) {
    auto dirty = step(screen, i);
    const auto [frame, pic] = encode(std::move(dirty), false, false);
    ms.push_back(frame.encode_us / 1000.0);
    bytes += frame.data.size();
    const I420Image src = media::bgra_to_i420(screen);
    psnr_sum += media::luma_psnr(src, pic);
  }
  std::sort(ms.begin(), ms.end());
  for (double m : ms) r.avg_ms += m / frames;
  r.p95_ms = ms[static_cast<std::size_t>(frames * 95 / 100)];
  r.kbps = static_cast<double>(bytes) * 8.0 * kFps / frames / 1000.0;
  r.psnr = psnr_sum / frames;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::max(20, std::atoi(argv[1])) : 90;
  std::vector<Config> configs = {
      {"auto (default) + map", std::nullopt, true}, {"cpu 16 + map", 16, true}, {"cpu 8 + map", 8, true},
      {"cpu 4 + map", 4, true},   {"cpu -6 + map", -6, true},     {"cpu -10 + map", -10, true},
      {"cpu 16, no map", 16, false}, {"cpu -6, no map", -6, false},
  };
  // ELFDESK_BENCH_CPU="-4 -8" replaces the settings with those fixed speeds (active map on).
  if (const char* list = std::getenv("ELFDESK_BENCH_CPU")) {
    configs.clear();
    for (const char* p = list; *p != '\0';) {
      char* end = nullptr;
      const long v = std::strtol(p, &end, 10);
      if (end == p) break;
      configs.push_back(Config{fmt::format("cpu {} + map", v), static_cast<int>(v), true});
      p = end;
    }
  }
  std::string table = fmt::format("VP8 {}x{} @{} fps target 8000 kbps, {} frames per row, 1 thread\n\n", kW, kH, kFps,
                                  frames);
  table += "| workload | setting | encode ms avg | p95 | kbit/s | luma PSNR dB | keyframe KiB / ms |\n";
  table += "|---|---|---|---|---|---|---|\n";
  for (const Scenario& s : scenarios()) {
    for (const Config& c : configs) {
      const Result r = run(s, c, frames);
      const std::string row = fmt::format("| {} | {} | {:.1f} | {:.1f} | {:.0f} | {:.1f} | {:.0f} / {:.0f} |\n", s.name,
                                          c.name, r.avg_ms, r.p95_ms, r.kbps, r.psnr, static_cast<double>(r.key_bytes) / 1024.0, r.key_ms);
      std::fputs(row.c_str(), stderr);
      table += row;
    }
  }
  std::fputs(table.c_str(), stdout);
  if (argc > 2) std::ofstream(argv[2]) << table;
  return 0;
}
