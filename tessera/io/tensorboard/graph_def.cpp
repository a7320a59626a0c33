#include "tessera/io/tensorboard/graph_def.h"

#include <set>
#include <utility>

#include "tessera/core/error.h"
#include "tessera/io/tensorboard/proto/graph.pb.h"
#include "tessera/io/tensorboard/utf8.h"

namespace tessera::io {
namespace {

namespace pb = tensorboard;

constexpr std::pair<DType, pb::DataType> kDTypes[] = {
    {kBool, pb::DT_BOOL},    {kUInt8, pb::DT_UINT8},       {kInt32, pb::DT_INT32},   {kInt64, pb::DT_INT64},
    {kFloat16, pb::DT_HALF}, {kBFloat16, pb::DT_BFLOAT16}, {kFloat32, pb::DT_FLOAT}, {kFloat64, pb::DT_DOUBLE},
};

pb::DataType to_proto(DType d) {
  for (const auto& [t, p] : kDTypes) {
    if (t == d) return p;
  }
  return pb::DT_INVALID;
}

std::optional<DType> from_proto(int p) {
  for (const auto& [t, q] : kDTypes) {
    if (q == p) return t;
  }
  return std::nullopt;
}

// "^name" (control input) and "name:k" both refer to node "name".
std::string node_of(const std::string& input) {
  const size_t begin = input.starts_with('^') ? 1 : 0;
  const size_t colon = input.rfind(':');
  return input.substr(begin, colon == std::string::npos || colon < begin ? std::string::npos : colon - begin);
}

void check_graph(const GraphDefLike& g) {
  std::set<std::string> names;
  for (const GraphNode& n : g.nodes) {
    for (const std::string* text : {&n.name, &n.op, &n.device}) check_utf8(*text, "add_graph_def", "the string");
    for (const std::string& in : n.inputs) check_utf8(in, "add_graph_def", "the input");
    check<ValueError>(!n.name.empty(), "add_graph_def: a node of op '", n.op, "' has an empty name");
    check<ValueError>(names.insert(n.name).second, "add_graph_def: the node name '", n.name, "' is used twice");
  }
  for (const GraphNode& n : g.nodes) {
    for (const std::string& in : n.inputs) {
      check<KeyError>(names.count(node_of(in)) != 0, "add_graph_def: node '", n.name, "' has input '", in,
                      "', which names no node of the graph");
    }
  }
}

}  // namespace

std::string serialize_graph_def(const GraphDefLike& graph) {
  check_graph(graph);
  pb::GraphDef g;
  g.mutable_versions()->set_producer(22);
  for (const GraphNode& n : graph.nodes) {
    pb::NodeDef* node = g.add_node();
    node->set_name(n.name);
    node->set_op(n.op);
    node->set_device(n.device);
    for (const std::string& in : n.inputs) node->add_input(in);
    auto& attrs = *node->mutable_attr();
    if (!n.output_shapes.empty()) {
      pb::AttrValue::ListValue* list = attrs["_output_shapes"].mutable_list();
      for (const Shape& s : n.output_shapes) {
        pb::TensorShapeProto* shape = list->add_shape();
        for (int64_t d : s) shape->add_dim()->set_size(d);
      }
    }
    if (n.dtype) attrs["dtype"].set_type(to_proto(*n.dtype));
    if (!n.attr.empty()) attrs["attr"].set_s(n.attr);
  }
  return g.SerializeAsString();
}

GraphDefLike parse_graph_def(std::string_view bytes) {
  pb::GraphDef g;
  check<ValueError>(g.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())),
                    "parse_graph_def: the bytes are not a GraphDef");
  GraphDefLike out;
  for (const pb::NodeDef& node : g.node()) {
    GraphNode n{node.name(), node.op(), {node.input().begin(), node.input().end()}, {}, {}, {}, node.device()};
    const auto& attrs = node.attr();
    if (auto it = attrs.find("_output_shapes"); it != attrs.end()) {
      for (const pb::TensorShapeProto& s : it->second.list().shape()) {
        Shape& shape = n.output_shapes.emplace_back();
        for (const auto& d : s.dim()) shape.push_back(d.size());
      }
    }
    if (auto it = attrs.find("dtype"); it != attrs.end()) n.dtype = from_proto(it->second.type());
    if (auto it = attrs.find("attr"); it != attrs.end()) n.attr = it->second.s();
    out.nodes.push_back(std::move(n));
  }
  return out;
}

}  // namespace tessera::io
