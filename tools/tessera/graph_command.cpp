// `tessera graph`: traces a zoo model (optionally with its loss and gradients) into a graph and writes its text
// dump and Graphviz DOT, plus an SVG where Graphviz's `dot` is installed.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "commands.h"
#include "tessera/core/rng.h"
#include "tessera/graph/graph_mode.h"
#include "tessera/io/atomic_file.h"
#include "tessera/models/zoo.h"
#include "tessera/nn/loss.h"
#include "tessera/nn/trace.h"

namespace tessera::cli {
namespace {

struct GraphArgs {
  std::string model = "cnn";
  std::string out_dir = "runs/graph";
  bool gradients = false;
  bool optimize = false;
  bool training = false;
};

graph::Function trace_model(nn::Module& model, const GraphArgs& a) {
  const graph::InputSpec image{"image", {graph::Dim("N"), 1, 28, 28}, kFloat32};
  if (!a.gradients) return nn::trace(model, image, "logits");
  auto f = [&](const std::vector<Tensor>& in) {
    Tensor logits = graph::name(model.forward(in[0]), "logits");
    graph::NameScope s("loss");
    return std::vector<Tensor>{nn::cross_entropy(logits, in[1])};
  };
  graph::Function fwd = graph::trace(f, {image, {"label", {graph::Dim("N")}, kInt64}},
                                     {.capture_names = nn::capture_names(model), .output_names = {"loss"}});
  std::vector<std::string> wrt;
  for (const auto& [name, p] : model.named_parameters()) wrt.push_back(name);
  return graph::gradients(fwd, "loss", wrt);
}

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

void run_graph(const GraphArgs& a) {
  manual_seed(0);
  nn::ModulePtr model = models::make_model(a.model);
  model->train(a.training);
  graph::Function fn = trace_model(*model, a);
  const graph::Graph g = a.optimize ? graph::optimize(fn.graph()) : fn.graph();
  std::filesystem::create_directories(a.out_dir);
  const std::string base = (std::filesystem::path(a.out_dir) / a.model).string() + (a.gradients ? "_grad" : "");
  io::write_file_atomically(base + ".txt", graph::to_text(g));
  io::write_file_atomically(base + ".dot", graph::to_dot(g));
  std::printf("tessera graph: %s%s, %zu nodes, %zu values -> %s.txt, %s.dot", a.model.c_str(),
              a.gradients ? " with loss and gradients" : "", g.num_nodes(), g.values().size(), base.c_str(),
              base.c_str());
  if (have_dot()) {
    const std::string cmd = "dot -Tsvg '" + base + ".dot' -o '" + base + ".svg'";
    if (std::system(cmd.c_str()) == 0) std::printf(", %s.svg", base.c_str());
  } else {
    std::printf(" (install graphviz for an .svg)");
  }
  std::printf("\n");
}

}  // namespace

void add_graph_command(CLI::App& app) {
  auto args = std::make_shared<GraphArgs>();
  CLI::App* cmd = app.add_subcommand("graph", "Trace a model into a graph and write it as text and Graphviz DOT");
  cmd->add_option("-m,--model", args->model, "Model: mlp, lenet5, cnn, resnet")->capture_default_str();
  cmd->add_option("-o,--out", args->out_dir, "Directory for <model>.txt, .dot and .svg")->capture_default_str();
  cmd->add_flag("--gradients", args->gradients, "Trace cross_entropy and the gradients of every parameter too");
  cmd->add_flag("--optimize", args->optimize, "Run the default passes (simplify, folding, CSE, DCE) first");
  cmd->add_flag("--train-mode", args->training, "Trace the model in training mode (dropout, batch statistics)");
  cmd->callback([args] { run_graph(*args); });
}

}  // namespace tessera::cli
