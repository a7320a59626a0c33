#include "tessera/graph/graph.h"

#include <algorithm>

#include "tessera/graph/dynamic_shape.h"

namespace tessera::graph {

ValueId Graph::add_value(Value v) {
  v.id = static_cast<ValueId>(values_.size());
  check<KeyError>(!by_name_.contains(v.name), "graph: the name '", v.name, "' is already taken");
  by_name_.emplace(v.name, v.id);
  values_.push_back(std::move(v));
  return values_.back().id;
}

namespace {
Value make_value(ValueKind kind, TensorType type, std::string name, const Tensor& tensor = {}) {
  Value v;
  v.kind = kind;
  v.type = std::move(type);
  v.name = std::move(name);
  v.tensor = tensor;
  return v;
}
}  // namespace

ValueId Graph::add_input(std::string name, TensorType type) {
  ValueId id = add_value(make_value(ValueKind::kInput, std::move(type), std::move(name)));
  inputs_.push_back(id);
  return id;
}

ValueId Graph::add_capture(std::string name, const Tensor& bound) {
  return add_value(make_value(ValueKind::kCapture, type_of(bound), std::move(name), bound));
}

ValueId Graph::add_constant(std::string name, const Tensor& value) {
  return add_value(make_value(ValueKind::kConstant, type_of(value), std::move(name), value));
}

NodeId Graph::add_node(const OpDef& def, std::shared_ptr<const Attrs> attrs, std::vector<ValueId> inputs,
                       const std::vector<TensorType>& output_types, const std::string& name, bool side_effect) {
  const NodeId id = static_cast<NodeId>(nodes_.size());
  Node n;
  n.id = id;
  n.def = &def;
  n.attrs = std::move(attrs);
  n.inputs = std::move(inputs);
  n.name = name;
  n.side_effect = side_effect;
  for (size_t i = 0; i < output_types.size(); ++i) {
    Value v = make_value(ValueKind::kNodeOutput, output_types[i], i == 0 ? name : cat(name, ":", i));
    v.node = id;
    v.output_index = static_cast<int>(i);
    n.outputs.push_back(add_value(std::move(v)));
  }
  nodes_.push_back(std::move(n));
  return id;
}

std::optional<ValueId> Graph::find(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

ValueId Graph::lookup(const std::string& name, const char* what) const {
  if (auto id = find(name)) return *id;
  std::vector<std::string> names;
  for (const Value& v : values_) names.push_back(v.name);
  std::sort(names.begin(), names.end());
  std::string some;
  for (size_t i = 0; i < names.size() && i < 12; ++i) some += cat(i ? ", " : "", names[i]);
  throw KeyError(cat(what, ": the graph has no value named '", name, "' (", values_.size(), " values: ", some,
                     names.size() > 12 ? ", ..." : "", ")"));
}

void Graph::rename(ValueId id, const std::string& name) {
  Value& v = value(id);
  if (v.name == name) return;
  auto it = by_name_.find(name);
  check<KeyError>(it == by_name_.end() || it->second == id, "graph: the name '", name, "' is already taken");
  v.name = name;  // the old name stays as an alias, so the node's own name still finds the value
  by_name_[name] = id;
}

void Graph::add_alias(const std::string& name, ValueId id) {
  if (!by_name_.contains(name)) by_name_.emplace(name, id);
}

std::string Graph::unique_name(const std::string& base) const {
  if (!by_name_.contains(base)) return base;
  for (int i = 1;; ++i) {
    std::string s = cat(base, "_", i);
    if (!by_name_.contains(s)) return s;
  }
}

GraphRewriter::GraphRewriter(const Graph& source) : src_(source), map_(source.values().size(), -1) {
  out_.set_symbols(source.symbols());
  for (const Value& v : source.values()) {
    switch (v.kind) {
      case ValueKind::kInput:
        map_[static_cast<size_t>(v.id)] = out_.add_input(v.name, v.type);
        break;
      case ValueKind::kCapture:
        map_[static_cast<size_t>(v.id)] = out_.add_capture(v.name, v.tensor);
        break;
      case ValueKind::kConstant:
        map_[static_cast<size_t>(v.id)] = out_.add_constant(v.name, v.tensor);
        break;
      case ValueKind::kNodeOutput:
        break;
    }
  }
}

NodeId GraphRewriter::copy(const Node& n) {
  std::vector<ValueId> inputs;
  for (ValueId v : n.inputs) {
    ValueId m = mapped(v);
    check(m >= 0, "graph rewrite: node '", n.name, "' reads a value that was dropped");
    inputs.push_back(m);
  }
  return replace(n, *n.def, n.attrs, std::move(inputs));
}

NodeId GraphRewriter::replace(const Node& n, const OpDef& def, std::shared_ptr<const Attrs> attrs,
                              std::vector<ValueId> new_inputs) {
  std::vector<TensorType> types;
  for (ValueId o : n.outputs) types.push_back(src_.value(o).type);
  NodeId id = out_.add_node(def, std::move(attrs), std::move(new_inputs), types, n.name, n.side_effect);
  for (size_t i = 0; i < n.outputs.size(); ++i) map_[static_cast<size_t>(n.outputs[i])] = out_.node(id).outputs[i];
  return id;
}

Graph GraphRewriter::finish() {
  std::vector<ValueId> outs;
  for (ValueId o : src_.outputs()) {
    ValueId m = mapped(o);
    check(m >= 0, "graph rewrite: output '", src_.value(o).name, "' was dropped");
    outs.push_back(m);
  }
  out_.set_outputs(std::move(outs));
  // Names of values a pass replaced keep working: they resolve to the replacement (fetching "relu" after CSE).
  for (const Value& v : src_.values()) {
    ValueId m = mapped(v.id);
    if (m >= 0) out_.add_alias(v.name, m);
  }
  return std::move(out_);
}

std::string type_str(const Graph& g, const TensorType& t) {
  return cat(t.dtype, symbolic_shape_str(g.symbols(), t.shape));
}

}  // namespace tessera::graph
