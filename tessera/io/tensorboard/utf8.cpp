#include "tessera/io/tensorboard/utf8.h"

#include <cstdint>

#include "tessera/core/error.h"

namespace tessera::io {

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The length of the sequence and the allowed range of its second byte (which excludes overlong forms,
    // surrogates and code points above U+10FFFF); later bytes are 0x80..0xBF.
    size_t n = 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    const auto c1 = static_cast<uint8_t>(s[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (size_t k = 2; k < n; ++k) {
      const auto ck = static_cast<uint8_t>(s[i + k]);
      if (ck < 0x80 || ck > 0xBF) return false;
    }
    i += n;
  }
  return true;
}

void check_utf8(std::string_view s, const char* op, const char* what) {
  check<ValueError>(is_valid_utf8(s), op, ": ", what, " '", s, "' is not valid UTF-8");
}

}  // namespace tessera::io
