#include "tessera/graph/print.h"

#include <cctype>
#include <initializer_list>
#include <sstream>

#include "tessera/graph/dynamic_shape.h"
#include "tessera/graph/traced_body.h"

namespace tessera::graph {
namespace {

const char* kind_str(ValueKind k) {
  switch (k) {
    case ValueKind::kInput:
      return "input";
    case ValueKind::kCapture:
      return "capture";
    case ValueKind::kConstant:
      return "constant";
    case ValueKind::kNodeOutput:
      break;
  }
  return "value";
}

std::string ref(const Graph& g, ValueId v) { return cat("%", v, " ", g.value(v).name); }

// A DOT label from lines: quotes and backslashes escaped, lines joined by DOT's "\n".
std::string label(std::initializer_list<std::string> lines) {
  std::string out = "\"";
  bool first = true;
  for (const std::string& line : lines) {
    if (!first) out += "\\n";
    first = false;
    for (char c : line) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out + "\"";
}

// An attribute string with the sizes that follow dynamic dims written as their symbols ("shape=[N, 3136]").
std::string symbolize(const Graph& g, const std::string& repr) {
  if (g.symbols().empty()) return repr;
  std::string out;
  for (size_t i = 0; i < repr.size();) {
    const bool starts = std::isdigit(static_cast<unsigned char>(repr[i])) &&
                        (i == 0 || (!std::isalnum(static_cast<unsigned char>(repr[i - 1])) && repr[i - 1] != '.'));
    if (!starts) {
      out += repr[i++];
      continue;
    }
    size_t j = i;
    while (j < repr.size() && std::isdigit(static_cast<unsigned char>(repr[j]))) ++j;
    const std::string digits = repr.substr(i, j - i);
    const bool integer = j == repr.size() || (repr[j] != '.' && repr[j] != 'e');
    if (integer && digits.size() < 18) {
      const int64_t shape[1] = {std::stoll(digits)};
      const std::string sym = symbolic_shape_str(g.symbols(), shape);  // "[N]" or "[123]"
      out += sym.substr(1, sym.size() - 2);
    } else {
      out += digits;
    }
    i = j;
  }
  return out;
}

}  // namespace

std::string to_text(const Graph& g) {
  std::ostringstream os;
  for (const Value& v : g.values()) {
    if (v.kind == ValueKind::kNodeOutput) continue;
    os << "%" << v.id << " " << v.name << " = " << kind_str(v.kind) << " : " << type_str(g, v.type) << "\n";
  }
  for (const Node& n : g.nodes()) {
    os << "%" << n.outputs.front() << " " << g.value(n.outputs.front()).name << " = " << n.def->name << "(";
    for (size_t i = 0; i < n.inputs.size(); ++i) os << (i ? ", " : "") << ref(g, n.inputs[i]);
    os << ")";
    std::string attrs = symbolize(g, n.attrs->repr());
    for (size_t at = attrs.find('\n'); at != std::string::npos; at = attrs.find('\n', at + 1)) {
      attrs.replace(at, 1, "\n    | ");  // a loop body's own dump, indented under its node
    }
    if (!attrs.empty()) os << " {" << attrs << "}";
    os << " :";
    for (size_t i = 0; i < n.outputs.size(); ++i) os << (i ? ", " : " ") << type_str(g, g.value(n.outputs[i]).type);
    if (n.side_effect) os << "  # update";
    os << "\n";
  }
  os << "outputs:";
  for (ValueId v : g.outputs()) os << " " << ref(g, v);
  os << "\n";
  return os.str();
}

namespace {

// Emits the vertices and edges of `g` with ids prefixed by `p`; a loop's body becomes a cluster beside its node.
void emit_dot(std::ostream& os, const Graph& g, const std::string& p, const std::string& indent) {
  auto vertex = [&](ValueId v) {
    const Value& val = g.value(v);
    return val.kind == ValueKind::kNodeOutput ? cat(p, "n", val.node) : cat(p, "v", v);
  };
  for (const Value& v : g.values()) {
    if (v.kind == ValueKind::kNodeOutput) continue;
    const bool input = v.kind == ValueKind::kInput;
    os << indent << p << "v" << v.id << " [label=" << label({v.name, type_str(g, v.type)})
       << (input ? ", shape=ellipse" : ", shape=box, style=filled, fillcolor=\"#e8e8e8\"") << "];\n";
  }
  for (const Node& n : g.nodes()) {
    std::string types;
    for (ValueId o : n.outputs) types += cat(types.empty() ? "" : " ", type_str(g, g.value(o).type));
    os << indent << p << "n" << n.id << " [label=" << label({g.value(n.outputs.front()).name, n.def->name, types})
       << ", shape=box" << (n.side_effect ? ", style=filled, fillcolor=\"#ffe0c0\"" : "") << "];\n";
    for (ValueId in : n.inputs) os << indent << vertex(in) << " -> " << p << "n" << n.id << ";\n";
    if (const Graph* body = loop_body(n)) {
      const std::string bp = cat(p, "n", n.id, "_");
      os << indent << "subgraph cluster_" << bp << " {\n"
         << indent << "  label=" << label({cat("body of ", g.value(n.outputs.front()).name)}) << "; style=dashed;\n";
      emit_dot(os, *body, bp, indent + "  ");
      os << indent << "}\n";
      if (!body->outputs().empty()) {
        const Value& o = body->value(body->outputs().front());
        const std::string from = o.kind == ValueKind::kNodeOutput ? cat(bp, "n", o.node) : cat(bp, "v", o.id);
        os << indent << from << " -> " << p << "n" << n.id << " [style=dashed];\n";
      }
    }
  }
}

}  // namespace

std::string to_dot(const Graph& g) {
  std::ostringstream os;
  os << "digraph tessera {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  emit_dot(os, g, "", "  ");
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const Value& v = g.value(g.outputs()[i]);
    os << "  out" << i << " [label=" << label({cat("output ", i)}) << ", shape=plaintext];\n";
    os << "  " << (v.kind == ValueKind::kNodeOutput ? cat("n", v.node) : cat("v", v.id)) << " -> out" << i << ";\n";
  }
  os << "}\n";
  return os.str();
}

}  // namespace tessera::graph
