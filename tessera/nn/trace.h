#pragma once
// Tracing a module into a graph::Function, with its parameters and buffers captured by reference under their
// state_dict names ("0.weight"), so the traced function sees the optimizer's updates without re-tracing.
#include <string>
#include <vector>

#include "tessera/graph/trace.h"
#include "tessera/nn/module.h"

namespace tessera::nn {

/// Traces `module.forward` on one input described by `input` (e.g. InputSpec{"x", {Dim("N"), 1, 28, 28}}). The
/// output is named `output_name`. The module's mode (train/eval) at trace time is the one the graph keeps.
graph::Function trace(Module& module, const graph::InputSpec& input, const std::string& output_name = "output");

/// The capture names for a module: its named parameters and buffers.
std::vector<std::pair<std::string, Tensor>> capture_names(const Module& module);

}  // namespace tessera::nn
