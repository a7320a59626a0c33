#pragma once
// A traced graph for TensorBoard's Graphs view: graph/'s Graph as io's GraphDefLike (scopes become the boxes
// TensorBoard folds, edges are labelled with shapes), and SummaryWriter's add_graph.
#include "tessera/graph/function.h"
#include "tessera/io/tensorboard/graph_def.h"
#include "tessera/io/tensorboard/summary_writer.h"

namespace tessera::io {

/// One GraphNode per graph node (named by its first output's name: the scoped op name or a user-given name; op =
/// the registered op) and per input ("Input"),
/// capture ("Parameter") and constant ("Const"); sizes that follow a dynamic dim are written as -1. A loop
/// node's body is not expanded.
GraphDefLike to_graph_def(const graph::Graph& g);

/// Writes the function's graph to the writer's run (PyTorch's SummaryWriter.add_graph).
void add_graph(SummaryWriter& writer, const graph::Function& f);

}  // namespace tessera::io
