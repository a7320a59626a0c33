#include "tessera/io/tensorboard/png.h"

#include <png.h>

#include <cstring>

#include "tessera/core/error.h"

namespace tessera::io {
namespace {

constexpr png_uint_32 kFormats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB, PNG_FORMAT_RGBA};

// Frees libpng's read state on scope exit (png_image_finish_read frees it itself, png_image_free is then a no-op).
struct PngImage {
  png_image img;
  PngImage() {
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
  }
  ~PngImage() { png_image_free(&img); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;
};

}  // namespace

std::string encode_png(const ImageU8& image) {
  check<ValueError>(image.channels >= 1 && image.channels <= 4, "encode_png: expected 1 to 4 channels, got ",
                    image.channels);
  check<ValueError>(image.height > 0 && image.width > 0 && image.height <= 1'000'000 && image.width <= 1'000'000,
                    "encode_png: bad image size ", image.height, "x", image.width);
  check<ValueError>(image.pixels.size() == static_cast<size_t>(image.height * image.width * image.channels),
                    "encode_png: expected ", image.height * image.width * image.channels, " pixel bytes, got ",
                    image.pixels.size());
  PngImage p;
  p.img.width = static_cast<png_uint_32>(image.width);
  p.img.height = static_cast<png_uint_32>(image.height);
  p.img.format = kFormats[image.channels - 1];
  png_alloc_size_t size = 0;
  const bool sized = png_image_write_get_memory_size(p.img, size, 0, image.pixels.data(), 0, nullptr) != 0;
  check(sized, "encode_png: ", p.img.message);
  std::string out(size, '\0');
  const bool ok = png_image_write_to_memory(&p.img, out.data(), &size, 0, image.pixels.data(), 0, nullptr) != 0;
  check(ok, "encode_png: ", p.img.message);
  out.resize(size);
  return out;
}

ImageU8 decode_png(std::string_view png) {
  PngImage p;
  const bool opened = png_image_begin_read_from_memory(&p.img, png.data(), png.size()) != 0;
  check<ValueError>(opened, "decode_png: ", p.img.message);
  const bool alpha = (p.img.format & PNG_FORMAT_FLAG_ALPHA) != 0, color = (p.img.format & PNG_FORMAT_FLAG_COLOR) != 0;
  ImageU8 out;
  out.height = p.img.height;
  out.width = p.img.width;
  out.channels = (color ? 3 : 1) + (alpha ? 1 : 0);
  p.img.format = kFormats[out.channels - 1];
  out.pixels.resize(PNG_IMAGE_SIZE(p.img));
  const bool ok = png_image_finish_read(&p.img, nullptr, out.pixels.data(), 0, nullptr) != 0;
  check<ValueError>(ok, "decode_png: ", p.img.message);
  return out;
}

}  // namespace tessera::io
