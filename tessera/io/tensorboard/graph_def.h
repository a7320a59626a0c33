#pragma once
// A plain description of a computation graph, written as TensorBoard's GraphDef for its Graphs view. Graph mode
// turns a traced Graph into this; io/ knows nothing of graph/.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/dtype.h"
#include "tessera/core/shape.h"

namespace tessera::io {

/// One node of the graph.
struct GraphNode {
  /// Unique, "/"-scoped name ("conv1/relu"): TensorBoard folds each scope into a box that expands on a click.
  std::string name{};
  /// Op type shown on the node ("conv2d", "relu", "Parameter", "Input").
  std::string op{};
  /// The nodes whose outputs feed this one, by name: "name" (output 0) or "name:k" (output k).
  std::vector<std::string> inputs{};
  /// One shape per output (-1 for a size unknown until run time); written as "_output_shapes", which labels the
  /// graph's edges with tensor shapes.
  std::vector<Shape> output_shapes{};
  /// Element type of the outputs, written as the attribute "dtype".
  std::optional<DType> dtype{};
  /// Free text shown in the node's info card (e.g. the op's attributes), written as the attribute "attr".
  std::string attr{};
  /// Device name, shown when TensorBoard colors by device ("cpu").
  std::string device{};
};

/// A graph as a list of nodes, in any order.
struct GraphDefLike {
  std::vector<GraphNode> nodes{};
};

/// The serialized tensorboard.GraphDef (versions.producer 22, as PyTorch writes), each GraphNode a NodeDef.
/// Errors naming add_graph_def: ValueError for an empty or repeated node name; KeyError for an input naming no
/// node of the graph.
std::string serialize_graph_def(const GraphDefLike& graph);

/// The nodes of a serialized GraphDef (the inverse of serialize_graph_def; attributes other than the ones
/// above are ignored, an unknown dtype is left unset). ValueError when the bytes do not parse.
GraphDefLike parse_graph_def(std::string_view bytes);

}  // namespace tessera::io
