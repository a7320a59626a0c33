#pragma once
// PNG encoding and decoding of 8-bit images (libpng's simplified API), for Image summaries.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::io {

/// An 8-bit image: row-major pixels of height x width x channels bytes (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA).
struct ImageU8 {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

/// The PNG file bytes of `image`. ValueError for channels outside 1..4, an empty image, or pixels of the wrong
/// size; Error with libpng's message if encoding fails.
std::string encode_png(const ImageU8& image);

/// Decodes PNG file bytes, keeping the file's channel count (palette images become RGB or RGBA).
/// ValueError with libpng's message when the bytes are not a valid PNG.
ImageU8 decode_png(std::string_view png);

}  // namespace tessera::io
