#include "tessera/graph/trace.h"

#include <algorithm>
#include <cctype>

#include "tessera/core/rng.h"
#include "tessera/graph/tracer.h"

namespace tessera::graph {
namespace {

std::vector<std::string> collect_symbols(const std::vector<InputSpec>& inputs) {
  std::vector<std::string> names;
  for (const InputSpec& spec : inputs) {
    for (const Dim& d : spec.shape) {
      if (d.dynamic() && std::find(names.begin(), names.end(), d.symbol) == names.end()) names.push_back(d.symbol);
    }
  }
  return names;
}

Graph trace_once(const TracedFn& fn, const std::vector<InputSpec>& inputs, const TraceOptions& options,
                 const std::vector<std::string>& symbol_names, int round) {
  Graph g;
  std::vector<Symbol> symbols;
  for (size_t k = 0; k < symbol_names.size(); ++k) symbols.push_back({symbol_names[k], sentinel_for(k, round)});
  g.set_symbols(symbols);
  Tracer tracer(g);
  for (const auto& [name, t] : options.capture_names) tracer.name_capture(t, name);
  std::vector<Tensor> args;
  for (const InputSpec& spec : inputs) {
    Shape shape;
    for (const Dim& d : spec.shape) {
      if (d.dynamic()) {
        auto it = std::find(symbol_names.begin(), symbol_names.end(), d.symbol);
        shape.push_back(symbols[static_cast<size_t>(it - symbol_names.begin())].sentinel);
      } else {
        check<ValueError>(d.size >= 0, "trace: input '", spec.name, "' has a negative size ", d.size);
        shape.push_back(d.size);
      }
    }
    args.push_back(tracer.symbolic(g.add_input(spec.name, {spec.dtype, shape, spec.device})));
  }
  std::vector<Tensor> outs;
  {
    TracingGuard guard(tracer);
    outs = fn(args);
  }
  check<ValueError>(options.output_names.empty() || options.output_names.size() == outs.size(),
                    "trace: ", options.output_names.size(), " output names given for ", outs.size(), " outputs");
  std::vector<ValueId> ids;
  for (size_t i = 0; i < outs.size(); ++i) {
    check<ValueError>(outs[i].defined(), "trace: output ", i, " of the traced function is undefined");
    ids.push_back(tracer.value_of(outs[i]));
    if (!options.output_names.empty()) g.rename(ids.back(), options.output_names[i]);
  }
  g.set_outputs(std::move(ids));
  return g;
}

// Random ops' reprs hold their streams ("seed=..., offset=..."), which differ between the two traces (also inside
// the printed bodies of loops): drop the numbers.
std::string without_stream(std::string repr) {
  for (const char* key : {"seed=", "offset="}) {
    for (size_t at = repr.find(key); at != std::string::npos; at = repr.find(key, at + 1)) {
      size_t end = at + std::char_traits<char>::length(key);
      while (end < repr.size() && std::isdigit(static_cast<unsigned char>(repr[end]))) ++end;
      repr.erase(at + std::char_traits<char>::length(key), end - at - std::char_traits<char>::length(key));
    }
  }
  return repr;
}

// Checks that graph `a`, its sizes rewritten to b's sentinels, is graph `b` (Note [Sentinel dims]).
void check_same_up_to_symbols(const Graph& a, const Graph& b) {
  check(a.num_nodes() == b.num_nodes(), "trace: the traced function built ", a.num_nodes(), " nodes for one size of ",
        "its dynamic dims and ", b.num_nodes(), " for another; control flow may not depend on a dynamic size");
  Bindings to_b;
  for (const Symbol& s : b.symbols()) to_b.push_back(s.sentinel);
  for (const Node& na : a.nodes()) {
    const Node& nb = b.node(na.id);
    check(na.def == nb.def && na.inputs == nb.inputs, "trace: the traced function built different graphs for two ",
          "sizes of its dynamic dims (node ", na.id, ": '", na.name, "' vs '", nb.name, "')");
    const std::string ra = without_stream(resolve_attrs(a.symbols(), to_b, na.attrs)->repr());
    const std::string rb = without_stream(nb.attrs->repr());
    check(ra == rb, "trace: node '", na.name, "' has an attribute that depends on a dynamic dim in a way a graph ",
          "cannot express (expected {", ra, "} for the second size, traced {", rb, "}); compute it with tensor ops ",
          "or make the dim static");
  }
}

// Tracing draws no random numbers: the default generator is where it was.
class GeneratorRestore {
 public:
  GeneratorRestore() : state_(default_generator().get_state()) {}
  ~GeneratorRestore() { default_generator().set_state(state_); }
  GeneratorRestore(const GeneratorRestore&) = delete;
  GeneratorRestore& operator=(const GeneratorRestore&) = delete;

 private:
  GeneratorState state_;
};

}  // namespace

InputSpec InputSpec::like(std::string name, const Tensor& example,
                          std::vector<std::pair<int64_t, std::string>> dynamic) {
  InputSpec spec;
  spec.name = std::move(name);
  spec.dtype = example.dtype();
  spec.device = example.device();
  for (int64_t s : example.shape()) spec.shape.emplace_back(s);
  for (auto& [dim, symbol] : dynamic) {
    const int64_t d = wrap_dim(dim, example.dim(), "InputSpec::like");
    spec.shape[static_cast<size_t>(d)] = Dim(symbol.empty() ? std::string("N") : symbol);
  }
  return spec;
}

Function trace(const TracedFn& fn, const std::vector<InputSpec>& inputs, const TraceOptions& options) {
  GeneratorRestore restore;
  const std::vector<std::string> symbols = collect_symbols(inputs);
  Graph g = trace_once(fn, inputs, options, symbols, 0);
  if (!symbols.empty()) check_same_up_to_symbols(g, trace_once(fn, inputs, options, symbols, 1));
  return Function(std::move(g));
}

}  // namespace tessera::graph
