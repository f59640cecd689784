#include "common/media/png_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <png.h>

namespace elfdesk::media {

namespace {

// Frees libpng's per-image state on every path out.
struct PngImage {
  png_image image{};
  PngImage() { image.version = PNG_IMAGE_VERSION; }
  ~PngImage() { png_image_free(&image); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;
  std::string message() const { return image.message; }
};

// PNG has no BGRX format, so pack to RGB: that also keeps undefined X11 alpha out of the file.
std::vector<std::uint8_t> to_rgb(const BgraImage& image) {
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(image.width) * image.height * 3);
  std::uint8_t* out = rgb.data();
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* in = image.row(y);
    for (int x = 0; x < image.width; ++x, in += 4, out += 3) {
      out[0] = in[2];
      out[1] = in[1];
      out[2] = in[0];
    }
  }
  return rgb;
}

}  // namespace

std::expected<std::vector<std::uint8_t>, Error> encode_png(const BgraImage& image) {
  if (image.width <= 0 || image.height <= 0 || image.stride < image.width * 4 ||
      image.pixels.size() < static_cast<std::size_t>(image.stride) * image.height) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "encode_png: invalid image geometry"));
  }
  const std::vector<std::uint8_t> rgb = to_rgb(image);
  PngImage png;
  png.image.width = static_cast<png_uint_32>(image.width);
  png.image.height = static_cast<png_uint_32>(image.height);
  png.image.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png.image, nullptr, &size, 0, rgb.data(), 0, nullptr)) {
    return std::unexpected(make_error(ErrorCode::internal, "encode_png: " + png.message()));
  }
  std::vector<std::uint8_t> out(size);
  if (!png_image_write_to_memory(&png.image, out.data(), &size, 0, rgb.data(), 0, nullptr)) {
    return std::unexpected(make_error(ErrorCode::internal, "encode_png: " + png.message()));
  }
  out.resize(size);
  return out;
}

std::expected<BgraImage, Error> decode_png(std::span<const std::uint8_t> data) {
  PngImage png;
  if (!png_image_begin_read_from_memory(&png.image, data.data(), data.size())) {
    return std::unexpected(make_error(ErrorCode::malformed, "decode_png: " + png.message()));
  }
  if (png.image.width == 0 || png.image.height == 0 || png.image.width > static_cast<png_uint_32>(kMaxPngDimension) ||
      png.image.height > static_cast<png_uint_32>(kMaxPngDimension)) {
    return std::unexpected(make_error(ErrorCode::oversized, "decode_png: image dimensions out of range"));
  }
  png.image.format = PNG_FORMAT_BGRA;
  BgraImage out = BgraImage::make(static_cast<int>(png.image.width), static_cast<int>(png.image.height));
  if (!png_image_finish_read(&png.image, nullptr, out.pixels.data(), out.stride, nullptr)) {
    return std::unexpected(make_error(ErrorCode::malformed, "decode_png: " + png.message()));
  }
  for (std::size_t i = 3; i < out.pixels.size(); i += 4) out.pixels[i] = 0xff;
  return out;
}

std::expected<void, Error> write_png(const BgraImage& image, const std::string& path) {
  auto bytes = encode_png(image);
  if (!bytes) return std::unexpected(bytes.error());
  // Never through a symlink (one planted in a shared directory would redirect the write), and only
  // into a regular file; O_NONBLOCK keeps a planted FIFO from blocking the open.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0)
    return std::unexpected(make_error(ErrorCode::io, "write_png: cannot create " + path + ": " +
                                                         (errno == ELOOP ? "it is a symbolic link" : std::strerror(errno))));
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::ftruncate(fd, 0) == 0;
  for (std::size_t done = 0; ok && done < bytes->size();) {
    const ssize_t n = ::write(fd, bytes->data() + done, bytes->size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) ok = false;
  if (!ok) return std::unexpected(make_error(ErrorCode::io, "write_png: cannot write " + path));
  return {};
}

std::expected<BgraImage, Error> read_png(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::unexpected(make_error(ErrorCode::io, "read_png: cannot open " + path));
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  auto image = decode_png(bytes);
  if (!image) image.error().detail += " (" + path + ")";
  return image;
}

}  // namespace elfdesk::media
