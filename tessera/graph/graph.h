#pragma once
// Graph IR: a static single-assignment graph whose nodes name a registered op plus its attributes
// (../../DESIGN.md, "Key types"). Values are graph inputs (fed at run time), captures (tensors bound by
// reference: parameters and buffers, so an optimizer's updates are seen without re-tracing), constants (owned by
// the graph, e.g. after constant folding) or node outputs. Nodes are stored in a topological order (the order
// they were traced in); passes build a new Graph rather than editing one in place.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera::graph {

using ValueId = int32_t;
using NodeId = int32_t;

enum class ValueKind : uint8_t { kInput, kCapture, kConstant, kNodeOutput };

struct Value {
  ValueId id = -1;
  ValueKind kind = ValueKind::kNodeOutput;
  TensorType type;   ///< At trace time; dims that follow a dynamic dim hold its sentinel (dynamic_shape.h).
  std::string name;  ///< Unique in the graph: "x", "conv1/relu", "max_pool2d:1".
  NodeId node = -1;  ///< Producer of a node output.
  int output_index = 0;
  Tensor tensor;  ///< The bound tensor of a capture, the value of a constant.
};

struct Node {
  NodeId id = -1;
  const OpDef* def = nullptr;
  std::shared_ptr<const Attrs> attrs;
  std::vector<ValueId> inputs, outputs;
  std::string name;          ///< Scope plus op name, unique: "conv1/conv2d", "relu_1".
  bool side_effect = false;  ///< Writes a captured tensor in place (an update): never pruned by DCE.
};

/// A symbolic dimension: its name ("N") and the sentinel size that stands for it inside the graph.
struct Symbol {
  std::string name;
  int64_t sentinel = 0;
};

class Graph {
 public:
  ValueId add_input(std::string name, TensorType type);
  ValueId add_capture(std::string name, const Tensor& bound);
  ValueId add_constant(std::string name, const Tensor& value);
  /// Appends a node; its outputs are named after it (`name`, `name:1`, ...). Returns the node id.
  NodeId add_node(const OpDef& def, std::shared_ptr<const Attrs> attrs, std::vector<ValueId> inputs,
                  const std::vector<TensorType>& output_types, const std::string& name, bool side_effect = false);

  const Value& value(ValueId id) const { return values_.at(static_cast<size_t>(id)); }
  Value& value(ValueId id) { return values_.at(static_cast<size_t>(id)); }
  const Node& node(NodeId id) const { return nodes_.at(static_cast<size_t>(id)); }
  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  size_t num_nodes() const { return nodes_.size(); }

  /// The value named `name`, or nullopt.
  std::optional<ValueId> find(const std::string& name) const;
  /// The value named `name`; KeyError listing a few names when there is none (`what` names the caller).
  ValueId lookup(const std::string& name, const char* what) const;
  /// Renames a value; its old name still finds it (KeyError when the name is taken by another value).
  void rename(ValueId id, const std::string& name);
  /// Makes `name` also resolve to `id` unless the name is taken (passes keep replaced values fetchable).
  void add_alias(const std::string& name, ValueId id);
  /// `base` if unused, else `base_1`, `base_2`, ...
  std::string unique_name(const std::string& base) const;

  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  void set_outputs(std::vector<ValueId> outputs) { outputs_ = std::move(outputs); }
  const std::vector<Symbol>& symbols() const { return symbols_; }
  void set_symbols(std::vector<Symbol> s) { symbols_ = std::move(s); }

 private:
  ValueId add_value(Value v);

  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_, outputs_;
  std::vector<Symbol> symbols_;
  std::unordered_map<std::string, ValueId> by_name_;
};

/// Copies a graph node by node, letting a pass replace or drop nodes while value ids are remapped. The base of
/// every pass: `GraphRewriter b(g); for (node) { ... b.copy(node) or b.alias(out, replacement) }; return b.finish();`
class GraphRewriter {
 public:
  explicit GraphRewriter(const Graph& source);
  /// Copies `n` (its inputs remapped); returns the new node id.
  NodeId copy(const Node& n);
  /// Adds a node of the new graph built from remapped inputs (the outputs keep `n`'s names and types).
  NodeId replace(const Node& n, const OpDef& def, std::shared_ptr<const Attrs> attrs, std::vector<ValueId> new_inputs);
  /// From now on, uses of source value `old_id` read new-graph value `new_id`.
  void alias(ValueId old_id, ValueId new_id) { map_[static_cast<size_t>(old_id)] = new_id; }
  /// The new-graph id of source value `old_id` (-1 when it was dropped).
  ValueId mapped(ValueId old_id) const { return map_[static_cast<size_t>(old_id)]; }
  Graph& target() { return out_; }
  const Graph& source() const { return src_; }
  /// The new graph, with the source's outputs remapped.
  Graph finish();

 private:
  const Graph& src_;
  Graph out_;
  std::vector<ValueId> map_;
};

/// "float32[N, 1, 28, 28]": the type with dynamic dims printed by their symbol names.
std::string type_str(const Graph& g, const TensorType& t);

}  // namespace tessera::graph
