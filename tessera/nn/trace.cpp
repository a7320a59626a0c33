#include "tessera/nn/trace.h"

namespace tessera::nn {

std::vector<std::pair<std::string, Tensor>> capture_names(const Module& module) {
  std::vector<std::pair<std::string, Tensor>> names = module.named_parameters();
  for (auto& b : module.named_buffers()) names.push_back(std::move(b));
  return names;
}

graph::Function trace(Module& module, const graph::InputSpec& input, const std::string& output_name) {
  graph::TraceOptions options{.capture_names = capture_names(module), .output_names = {output_name}};
  return graph::trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{module.forward(in[0])}; },
                      {input}, options);
}

}  // namespace tessera::nn
