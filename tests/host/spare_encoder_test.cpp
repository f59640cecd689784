// SpareEncoder (host/encode/spare_encoder.hpp): the first session's encoder is made ahead, on its own
// thread, and given out once to the pipeline's factory when the size matches. Real VP8 encoders, counted.
#include <doctest/doctest.h>

#include <atomic>
#include <future>

#include "client/decode/video_decoder.hpp"
#include "host/encode/spare_encoder.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;

namespace {

// make_vp8_encoder, counting what it made and the settings of the last.
struct CountingFactory {
  std::atomic<int> made{0};
  host::EncoderSettings last;
  host::EncoderFactory factory() {
    return [this](const host::EncoderSettings& s) {
      ++made;
      last = s;
      return host::make_vp8_encoder(s);
    };
  }
};

// The encoder codes a picture a decoder reads back at its size.
void check_codes(host::VideoEncoder& encoder, int w, int h) {
  const BgraImage image = test::gradient_image(w, h);
  auto out = encoder.encode(host::EncodeRequest{&image, {}, true, false, 1000});
  REQUIRE(out.has_value());
  REQUIRE(out->has_value());
  auto decoder = client::make_vp8_decoder();
  REQUIRE(decoder.has_value());
  auto picture = (*decoder)->decode((*out)->data, true);
  REQUIRE(picture.has_value());
  CHECK(picture->width == w);
  CHECK(picture->height == h);
}

}  // namespace

TEST_CASE("SpareEncoder: the first encoder of the prepared size is the one made ahead, and only once") {
  CountingFactory counting;
  host::SpareEncoder spare(counting.factory());
  spare.prepare(host::EncoderSettings{1280, 720});
  spare.prepare(host::EncoderSettings{1280, 720});  // one spare at a time
  const host::EncoderFactory make = spare.factory();
  auto first = make(host::EncoderSettings{1280, 720, 900, 30});  // the pipeline's rate differs: applied
  REQUIRE(first.has_value());
  CHECK(counting.made == 1);
  CHECK(counting.last.target_kbps == 4000);  // made ahead, with the default rate
  CHECK((*first)->width() == 1280);
  check_codes(**first, 1280, 720);
  auto second = make(host::EncoderSettings{1280, 720, 900, 30});  // given out once: a new one
  REQUIRE(second.has_value());
  CHECK(counting.made == 2);
  CHECK(counting.last.target_kbps == 900);
}

TEST_CASE("SpareEncoder: another size or a region encoder is made anew and the spare waits for its size") {
  CountingFactory counting;
  host::SpareEncoder spare(counting.factory());
  spare.prepare(host::EncoderSettings{640, 480});
  const host::EncoderFactory make = spare.factory();
  host::EncoderSettings region{640, 480, 2000, 30};
  region.region_stream = true;
  REQUIRE(make(region).has_value());                               // same size, another kind of encoder
  REQUIRE(make(host::EncoderSettings{320, 240, 2000, 30}).has_value());  // another size
  CHECK(counting.made == 3);
  auto kept = make(host::EncoderSettings{640, 480, 2000, 30});
  REQUIRE(kept.has_value());
  CHECK(counting.made == 3);  // the spare
  check_codes(**kept, 640, 480);
}

TEST_CASE("SpareEncoder: prepare() returns while the encoder is made; a take waits for it") {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> made{0};
  host::SpareEncoder spare([&](const host::EncoderSettings& s) {
    released.wait();  // held until the test lets it go: prepare() must not wait here
    ++made;
    return host::make_vp8_encoder(s);
  });
  spare.prepare(host::EncoderSettings{320, 240});
  CHECK(made == 0);
  std::future<std::unique_ptr<host::VideoEncoder>> taken =
      std::async(std::launch::async, [&] { return spare.take(host::EncoderSettings{320, 240, 500, 30}); });
  CHECK(taken.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);  // waiting for the spare
  release.set_value();
  std::unique_ptr<host::VideoEncoder> encoder = taken.get();
  REQUIRE(encoder != nullptr);
  CHECK(made == 1);
  check_codes(*encoder, 320, 240);
}

TEST_CASE("SpareEncoder: a spare that could not be made is made again on demand, and its error reported") {
  int calls = 0;
  host::SpareEncoder spare([&](const host::EncoderSettings& s) -> std::expected<std::unique_ptr<host::VideoEncoder>, Error> {
    if (++calls == 1) return std::unexpected(make_error(ErrorCode::internal, "no memory for the spare"));
    return host::make_vp8_encoder(s);
  });
  spare.prepare(host::EncoderSettings{320, 240});
  CHECK(spare.take(host::EncoderSettings{320, 240}) == nullptr);  // failed: nothing to give
  auto made = spare.factory()(host::EncoderSettings{320, 240});   // made now instead
  REQUIRE(made.has_value());
  CHECK(calls == 2);
  host::SpareEncoder failing([](const host::EncoderSettings&) -> std::expected<std::unique_ptr<host::VideoEncoder>, Error> {
    return std::unexpected(make_error(ErrorCode::internal, "vp8 encoder init failed"));
  });
  failing.prepare(host::EncoderSettings{320, 240});
  auto error = failing.factory()(host::EncoderSettings{320, 240});
  REQUIRE_FALSE(error.has_value());
  CHECK(error.error().detail == "vp8 encoder init failed");
}

TEST_CASE("SpareEncoder: drop() frees a spare nobody took; the next prepare() makes a new one") {
  CountingFactory counting;
  host::SpareEncoder spare(counting.factory());
  spare.drop();  // nothing prepared: nothing to do
  spare.prepare(host::EncoderSettings{320, 240});
  spare.drop();  // a declined session, or a screen that changed size
  CHECK(spare.take(host::EncoderSettings{320, 240}) == nullptr);
  CHECK(counting.made == 1);
  spare.prepare(host::EncoderSettings{320, 240});  // the next engineer's
  auto next = spare.take(host::EncoderSettings{320, 240});
  REQUIRE(next != nullptr);
  CHECK(counting.made == 2);
  check_codes(*next, 320, 240);
}
