// Graph mode, one feature per section (docs/graph.md walks through it). Run: build/examples/graph_mode
#include <cstdio>

#include "tessera/tessera.h"

using namespace tessera;

int main() {
  manual_seed(0);
  // 1. Trace a model once; the batch is a dynamic dim "N", so one graph serves any batch size.
  nn::ModulePtr model = models::make_model("mlp");
  model->eval();
  graph::Function f = nn::trace(*model, {"image", {graph::Dim("N"), 1, 28, 28}, kFloat32}, "logits");
  std::printf("1. traced %zu nodes; output %s\n", f.graph().num_nodes(), f.output_names()[0].c_str());

  // 2. Run it at two batch sizes without re-tracing; it equals eager execution.
  for (int64_t n : {8, 3}) {
    Tensor x = randn({n, 1, 28, 28});
    Tensor diff = (f({x})[0] - model->forward(x)).abs().amax();
    std::printf("2. batch %lld: max |graph - eager| = %g\n", static_cast<long long>(n), diff.item<double>());
  }

  // 3. Fetch any intermediate value by name, and feed any value (here the hidden activations) instead of inputs.
  Tensor x = randn({4, 1, 28, 28});
  Tensor hidden = f.run({{"image", x}}, {"ReLU_2/relu"})[0];
  Tensor logits = f.run({{"ReLU_2/relu", hidden}}, {"logits"})[0];  // "image" is not needed, so not fed
  std::printf("3. hidden %s, logits from the fed hidden layer %s\n", shape_str(hidden.shape()).c_str(),
              shape_str(logits.shape()).c_str());

  // 4. Name scopes and names.
  graph::Function g = graph::trace(
      [](const std::vector<Tensor>& in) {
        graph::NameScope scope("block");
        Tensor h = graph::name(tanh(in[0] * 2), "h");
        return std::vector<Tensor>{h.sum()};
      },
      {{"x", {3}, kFloat32}}, {.output_names = {"total"}});
  std::printf("4. value 'block/h' = %s\n", g.run({{"x", ones({3})}}, {"block/h"})[0].str().c_str());

  // 5. Symbolic gradients: a new Function computing the loss and d loss / d parameters.
  auto with_loss = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{nn::cross_entropy(model->forward(in[0]), in[1])};
  };
  graph::Function fwd =
      graph::trace(with_loss, {{"image", {graph::Dim("N"), 1, 28, 28}}, {"label", {graph::Dim("N")}, kInt64}},
                   {.capture_names = nn::capture_names(*model), .output_names = {"loss"}});
  graph::Function grads = graph::gradients(fwd, "loss", {"1.weight"});
  Tensor label = randint(0, 10, {4});
  std::printf("5. loss %.4f, |d loss / d 1.weight| = %.4f\n", grads({x, label})[0].item<double>(),
              grads({x, label})[1].pow(2).sum().sqrt().item<double>());

  // 6. A whole training step as one Function: forward, gradients and the SGD update (Theano's `updates`).
  std::vector<Tensor> params = model->parameters();
  auto step = [&](const std::vector<Tensor>& in) {
    Tensor loss = nn::cross_entropy(model->forward(in[0]), in[1]);
    std::vector<Tensor> gs = graph::grad(loss, params);
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(params[i] - 0.1 * gs[i]);
    return std::vector<Tensor>{loss};
  };
  graph::Function train_step =
      graph::trace(step, {{"image", {graph::Dim("N"), 1, 28, 28}}, {"label", {graph::Dim("N")}, kInt64}});
  for (int i = 0; i < 3; ++i) std::printf("6. step %d: loss %.4f\n", i, train_step({x, label})[0].item<double>());

  // 7. Passes: simplification, constant folding, CSE, DCE, then fusion; and the memory plan.
  graph::Graph optimized = graph::fuse_elementwise(graph::optimize(train_step.graph()));
  graph::MemoryPlan plan = graph::plan_memory(optimized, {64});
  std::printf("7. %zu nodes -> %zu after passes; at batch 64 the arena needs %.2f MiB of %.2f MiB unplanned\n",
              train_step.graph().num_nodes(), optimized.num_nodes(), plan.arena_bytes / 1048576.0,
              plan.unplanned_bytes / 1048576.0);

  // 8. Printing: a text dump (one node per line) and Graphviz DOT.
  std::printf("8. first lines of the dump:\n%s", graph::to_text(g.graph()).c_str());
  std::printf("   DOT: %zu characters (render with `dot -Tsvg`)\n", graph::to_dot(f.graph()).size());
  return 0;
}
