#pragma once
// trace(): runs a C++ function on symbolic tensors and captures its graph (../../DESIGN.md, "Key types").
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "tessera/graph/function.h"

namespace tessera::graph {

/// One dimension of an input: a fixed size, or a dynamic dim named by its symbol ("N"), which may take any size
/// when the function runs. Inputs that share a symbol must agree on its size.
struct Dim {
  Dim(int64_t size) : size(size) {}                       // NOLINT: implicit, so {Dim("N"), 1, 28, 28}
  Dim(const char* symbol) : symbol(symbol) {}             // NOLINT
  Dim(std::string symbol) : symbol(std::move(symbol)) {}  // NOLINT
  int64_t size = -1;
  std::string symbol;
  bool dynamic() const { return !symbol.empty(); }
};

/// A graph input: its name, shape (fixed or dynamic dims) and dtype.
struct InputSpec {
  std::string name;
  std::vector<Dim> shape{};
  DType dtype = kDefaultFloat;
  Device device{};
  /// An input shaped like `example`, with the listed dims dynamic (named by `symbols`, "N" by default).
  static InputSpec like(std::string name, const Tensor& example,
                        std::vector<std::pair<int64_t, std::string>> dynamic = {});
};

struct TraceOptions {
  /// Names for the captures of these tensors (e.g. a module's named_parameters(): "fc1.weight").
  std::vector<std::pair<std::string, Tensor>> capture_names{};
  /// Names for the outputs, in order (default: the names of the nodes that produce them).
  std::vector<std::string> output_names{};
};

using TracedFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs)>;

/// Traces `fn` on symbolic inputs described by `inputs` into a Function. No kernel runs; the shape rules run, so a
/// shape error is thrown here, naming the op and the node. With dynamic dims, `fn` is traced twice (with
/// different stand-in sizes, Note [Sentinel dims] in dynamic_shape.h) and Error is thrown when an attribute
/// depends on a dynamic dim in a way the graph cannot express (e.g. a size used in float arithmetic).
/// The default generator's state is restored afterwards: tracing draws no random numbers.
Function trace(const TracedFn& fn, const std::vector<InputSpec>& inputs, const TraceOptions& options = {});

}  // namespace tessera::graph
