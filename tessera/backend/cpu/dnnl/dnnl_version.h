#pragma once
// The linked oneDNN's version, for `tessera info` (kept apart from dnnl_engine.h so callers need no oneDNN headers).
#include <string>

namespace tessera::cpu::onednn {

/// "major.minor.patch (commit hash)" of the oneDNN library linked in, with its CPU threading runtime and ISA.
std::string version_string();

}  // namespace tessera::cpu::onednn
