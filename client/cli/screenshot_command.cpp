// `elfdesk screenshot`: connect, take the first complete frame, save it as PNG, exit.
#include <cstdio>

#include "client/cli/commands.hpp"
#include "client/cli/remote_command.hpp"
#include "client/core/session_core.hpp"
#include "client/decode/picture_receiver.hpp"
#include "common/media/png_io.hpp"

namespace elfdesk::client {
namespace {

const char* kUsage = R"(Usage: elfdesk screenshot CODE --out FILE.png [options]             (through the relay)
       elfdesk screenshot ADDR:PORT --code CODE --out FILE.png [options]  (directly)

Connects to the host, waits for the first complete picture of its screen, saves it as PNG and exits.

  --out FILE.png       where to write the picture (required)
  --wait-still MS      wait until the screen has been still for MS milliseconds (default 0: first frame)
  --relay ADDR:PORT | --relay-ca PEM                                   as for `elfdesk view`
  --code CODE | --code-file PATH | --listen ADDR:PORT | --name NAME   as for `elfdesk view`
  --help               this text

Exit codes: 0 saved, 1 could not decode or write, 10 network (also: relay unreachable or gone),
11 authentication (also: no support session with this code), 12 declined, 13 protocol, 14 busy, 2 bad usage.
)";

asio::awaitable<int> take_screenshot(SessionCore& core, std::string out, std::chrono::milliseconds still) {
  RemotePicture picture;  // composed from VP8 pictures and exact pixels, as the viewer does
  while (true) {
    // Once we have a picture, a quiet period of `still` means the screen has settled.
    const bool have_picture = picture.width() > 0;
    const auto wait = have_picture ? still : std::chrono::milliseconds(30000);
    auto event = co_await core.next(wait);
    if (!event) {
      if (have_picture && event.error().code == ErrorCode::timeout) break;
      std::fprintf(stderr, "elfdesk: %s\n", event.error().detail.c_str());
      co_return exit_code_for(event.error());
    }
    if (event->goodbye) {
      std::fprintf(stderr, "elfdesk: session ended: %s\n", describe_goodbye(*event->goodbye).c_str());
      co_return 10;
    }
    if (!event->picture) continue;
    const PictureReply reply = apply_and_ack(picture, *event->picture);  // nothing is shown: present_us 0
    std::visit([&](const auto& m) { core.send(m); }, reply);
    if (std::holds_alternative<protocol::FrameAck>(reply) && still.count() == 0) break;
  }
  if (auto ok = media::write_png(picture.pixels(), out); !ok) {
    std::fprintf(stderr, "elfdesk: %s\n", ok.error().detail.c_str());
    co_return 1;
  }
  std::fprintf(stderr, "elfdesk: saved %dx%d screenshot to %s\n", picture.width(), picture.height(), out.c_str());
  co_return 0;
}

}  // namespace

int run_screenshot_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {"code", "code-file", "name", "listen", "relay", "relay-ca", "out", "wait-still"}, {"help", "quiet"});
  if (args && args->has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto target = args ? parse_remote_target(*args, protocol::permission::kView)
                     : std::expected<RemoteTarget, Error>(std::unexpected(args.error()));
  auto still = args ? parse_number(args->get("wait-still", "0"), 0, 60000, "--wait-still")
                    : std::expected<long, Error>(0);
  const auto out_ok = args ? check_out_path(args->get("out")) : std::expected<void, Error>{};
  if (!target || !still || args->get("out").empty() || !out_ok) {
    const std::string why = !target                   ? target.error().detail
                            : !still                  ? still.error().detail
                            : args->get("out").empty() ? "missing --out FILE.png"
                                                       : out_ok.error().detail;
    std::fprintf(stderr, "elfdesk screenshot: %s\nTry 'elfdesk screenshot --help'.\n", why.c_str());
    return 2;
  }
  target->quiet = args->has("quiet");
  return run_remote(std::move(*target), [out = args->get("out"), ms = std::chrono::milliseconds(*still)](
                                            SessionCore& core) { return take_screenshot(core, out, ms); });
}

}  // namespace elfdesk::client
