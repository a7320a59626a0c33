#pragma once
// Adding context to errors raised inside graph mode, keeping their type (a ShapeError stays a ShapeError).
#include <string>

namespace tessera::graph {

/// Rethrows the exception being handled with `prefix` in front of its message when it is a tessera::Error (of
/// the same class); rethrows anything else unchanged. Call only from a catch block.
[[noreturn]] void rethrow_with_prefix(const std::string& prefix);

}  // namespace tessera::graph
