#pragma once
// CRC-32C (Castagnoli), the checksum of TFRecord framing (Note [TFRecord framing] in record_writer.h).
#include <cstdint>
#include <string_view>

namespace tessera::io {

/// The CRC-32C of `data` (reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF; RFC 3720
/// appendix B.4): 32 zero bytes give 0x8A9136AA. Pass a previous result as `crc` to extend it over more data:
/// crc32c(b, crc32c(a)) == crc32c(a + b).
uint32_t crc32c(std::string_view data, uint32_t crc = 0);

/// TFRecord's masked CRC: rotated right by 15 bits plus 0xA282EAD8, so that a CRC stored inside checksummed
/// data does not checksum to a fixed value.
inline uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }
/// The inverse of mask_crc.
inline uint32_t unmask_crc(uint32_t masked) {
  const uint32_t rot = masked - 0xA282EAD8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace tessera::io
