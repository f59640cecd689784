// SessionRecorder against the real encoder, muxer, ffprobe and ffmpeg: what a player sees in the file.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "client/record/session_recorder.hpp"
#include "common/media/png_io.hpp"
#include "common/media/psnr.hpp"

namespace c = elfdesk::client;
using elfdesk::BgraImage;

namespace {

std::string run(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
    pclose(pipe);
  }
  return out;
}

// A picture that differs from frame to frame everywhere a little, and in a moving bar a lot.
BgraImage picture(int width, int height, int step) {
  BgraImage image = BgraImage::make(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = image.row(y) + x * 4;
      const bool bar = (x / 16) == step % (width / 16);
      p[0] = static_cast<std::uint8_t>(bar ? 255 : (x * 255) / width);
      p[1] = static_cast<std::uint8_t>(bar ? 32 : (y * 255) / height);
      p[2] = static_cast<std::uint8_t>(bar ? 32 : 128);
      p[3] = 255;
    }
  }
  return image;
}

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("elfdesk-rec-" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("a recording is a WebM of VP8 pictures as long as the session, ending on the last picture") {
  TempDir dir;
  const std::string file = (dir.path / "session.webm").string();
  auto recorder = c::SessionRecorder::start(file);
  REQUIRE(recorder);
  constexpr std::uint64_t kStart = 5'000'000;
  const elfdesk::protocol::CursorPosition nowhere{0, 0, false};
  BgraImage last;
  for (int i = 0; i < 30; ++i) {  // 2 s at 15 pictures/s
    const std::uint64_t at = kStart + static_cast<std::uint64_t>(i) * 66'667 + 1;
    last = picture(320, 240, i);
    CHECK((*recorder)->due(at));
    (*recorder)->offer(last, nullptr, nowhere, at);
    CHECK_FALSE((*recorder)->due(at + 1000));  // not again within 1/15 s
    (*recorder)->offer(picture(320, 240, i + 7), nullptr, nowhere, at + 1000);  // so: ignored
  }
  auto done = (*recorder)->finish(kStart + 3'000'000);  // the session lasted 3 s
  REQUIRE(done);
  CHECK(done->width == 320);
  CHECK(done->height == 240);
  // Offered faster than real time here, so the encoder thread skips to the newest (by design: the window
  // never waits for it); the first picture and the closing one are always in.
  CHECK(done->frames >= 2);
  CHECK(done->frames <= 31);

  const std::string probe = run("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                                "stream=codec_name,width,height,nb_read_frames:format=duration -of default=nw=1 " + file);
  INFO(probe);
  CHECK(probe.find("codec_name=vp8") != std::string::npos);
  CHECK(probe.find("width=320") != std::string::npos);
  const auto duration = std::stod(probe.substr(probe.find("duration=") + 9));
  CHECK(duration >= 2.9);
  CHECK(duration <= 3.2);

  const std::string png = (dir.path / "last.png").string();
  const std::string extracted = run("ffmpeg -nostdin -v error -i " + file + " -update 1 -y " + png + " 2>&1");
  INFO(extracted);
  auto decoded = elfdesk::media::read_png(png);
  REQUIRE(decoded);
  CHECK(elfdesk::media::psnr(last, *decoded) >= 35.0);
}

TEST_CASE("the cursor is drawn with its hot spot where the remote cursor is") {
  BgraImage image = BgraImage::make(8, 8);
  elfdesk::protocol::CursorShape cursor{1, 2, 2, 1, 1, std::vector<std::uint8_t>(16, 0)};
  for (int k = 0; k < 4; ++k) {
    cursor.rgba[k * 4 + 0] = 255;  // red
    cursor.rgba[k * 4 + 3] = k == 3 ? 0 : 255;  // the bottom-right pixel is transparent
  }
  c::draw_cursor(image, cursor, elfdesk::protocol::CursorPosition{4, 4, true});
  CHECK(image.row(3)[3 * 4 + 2] == 255);  // top-left of the cursor at (4-1, 4-1), red in BGRA's R
  CHECK(image.row(3)[3 * 4 + 0] == 0);
  CHECK(image.row(4)[4 * 4 + 2] == 0);    // transparent: untouched
  c::draw_cursor(image, cursor, elfdesk::protocol::CursorPosition{1, 0, true});  // its top row is off the picture
  CHECK(image.row(0)[0 * 4 + 2] == 255);
  BgraImage hidden = BgraImage::make(8, 8);
  c::draw_cursor(hidden, cursor, elfdesk::protocol::CursorPosition{4, 4, false});
  CHECK(hidden.row(3)[3 * 4 + 2] == 0);
}

TEST_CASE("a path that cannot be written fails at once, before any session") {
  auto recorder = c::SessionRecorder::start("/nonexistent-dir/session.webm");
  REQUIRE_FALSE(recorder);
  CHECK(recorder.error().detail.find("/nonexistent-dir/session.webm") != std::string::npos);
}

TEST_CASE("a session without a recorded picture leaves no file behind") {
  TempDir dir;
  const std::string file = (dir.path / "never.webm").string();
  auto recorder = c::SessionRecorder::start(file);
  REQUIRE(recorder);
  CHECK(std::filesystem::exists(file));  // created at start: the path is proven writable
  auto done = (*recorder)->finish(9'000'000);
  REQUIRE(done);
  CHECK(done->frames == 0);
  CHECK_FALSE(std::filesystem::exists(file));
  // The same recorder finished again (the destructor does) does not bring it back.
  CHECK((*recorder)->finish(10'000'000).has_value());
  CHECK_FALSE(std::filesystem::exists(file));
}
