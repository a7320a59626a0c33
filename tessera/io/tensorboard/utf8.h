#pragma once
// UTF-8 validation: protocol buffer `string` fields (tags, node names) must hold valid UTF-8, and the protobuf
// library would log an error of its own for one that does not; the writers reject such strings first.
#include <string_view>

namespace tessera::io {

/// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Throws ValueError "<op>: <what> '<s>' is not valid UTF-8" unless is_valid_utf8(s).
void check_utf8(std::string_view s, const char* op, const char* what);

}  // namespace tessera::io
