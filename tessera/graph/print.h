#pragma once
// Printing a graph: a text dump, one node per line (like Theano's debugprint), and Graphviz DOT.
#include <string>

#include "tessera/graph/graph.h"

namespace tessera::graph {

/// One line per input, capture and constant, then one per node:
///   %7 conv1/conv2d = conv2d(%0 x, %1 conv1.weight, %2 conv1.bias) {stride=[1, 1], ...} : float32[N, 32, 28, 28]
/// and a last line naming the outputs. Dynamic dims print as their symbols.
std::string to_text(const Graph& g);
/// A Graphviz digraph: inputs as ellipses, captures and constants as grey boxes, ops as boxes labelled with the
/// node name, op and output type; edges from producer to consumer. Render with `dot -Tsvg`.
std::string to_dot(const Graph& g);

}  // namespace tessera::graph
