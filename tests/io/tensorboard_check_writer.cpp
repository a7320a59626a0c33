// Writes the log directory that tensorboard_check.py reads with TensorBoard itself: one run with scalars, a
// histogram, images, text and a graph, an add_scalars group and an hparams run. The values here are the ones
// the script asserts (keep the two files in step).
//   tensorboard_check_writer LOGDIR
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tessera/io/tensorboard/summary_writer.h"
#include "tessera/ops/creation.h"

namespace {

using tessera::io::GraphNode;

// A small CNN's graph (scoped names, ops, inputs, output shapes), as graph mode will describe a traced model.
tessera::io::GraphDefLike cnn_graph() {
  using tessera::kFloat32;
  auto node = [](std::string name, std::string op, std::vector<std::string> in, tessera::Shape shape) {
    return GraphNode{.name = std::move(name),
                     .op = std::move(op),
                     .inputs = std::move(in),
                     .output_shapes = {std::move(shape)},
                     .dtype = kFloat32};
  };
  return {{node("input", "Input", {}, {-1, 1, 28, 28}), node("conv1/weight", "Parameter", {}, {8, 1, 3, 3}),
           node("conv1/bias", "Parameter", {}, {8}),
           node("conv1/conv2d", "conv2d", {"input", "conv1/weight", "conv1/bias"}, {-1, 8, 28, 28}),
           node("conv1/relu", "relu", {"conv1/conv2d"}, {-1, 8, 28, 28}),
           node("pool1/max_pool2d", "max_pool2d", {"conv1/relu"}, {-1, 8, 14, 14}),
           node("fc/flatten", "flatten", {"pool1/max_pool2d"}, {-1, 1568}),
           node("fc/weight", "Parameter", {}, {10, 1568}), node("fc/bias", "Parameter", {}, {10}),
           node("fc/linear", "linear", {"fc/flatten", "fc/weight", "fc/bias"}, {-1, 10}),
           node("output", "Output", {"fc/linear"}, {-1, 10})}};
}

void write_logdir(const std::string& logdir) {
  using namespace tessera;
  io::SummaryWriter w(logdir + "/tessera_run", {.flush_secs = 1});
  const double losses[] = {1.0, 0.5, 0.25, 0.125, 0.0625};
  for (int64_t step = 0; step < 5; ++step) {
    w.add_scalar("loss", losses[step], step);
    w.add_scalar("accuracy", 0.5 + 0.1 * double(step), step);
  }
  w.add_scalars("losses", {{"train", 0.75}, {"val", 0.875}}, 3);
  w.add_histogram("weights", from_vector(std::vector<double>{-1.0, 0.0, 0.0, 1.0, 2.5, 2.5, 1e-3}, Shape{7}), 1);
  std::vector<float> rgb;
  for (int i = 0; i < 3 * 20 * 30; ++i) rgb.push_back(float(i % 30) / 29.0f);
  w.add_image("sample", from_vector(rgb, Shape{3, 20, 30}), 2);
  w.add_images("batch", full({3, 1, 5, 6}, 0.5, kFloat32), 2);
  w.add_text("notes", "hello **tessera**", 4);
  w.add_graph_def(cnn_graph());
  w.add_hparams({{"lr", 0.01}, {"optimizer", "adam"}, {"batch_size", 64}}, {{"hparam/accuracy", 0.875}}, {}, "hp");
  w.close();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tensorboard_check_writer LOGDIR\n");
    return 2;
  }
  try {
    write_logdir(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tensorboard_check_writer: %s\n", e.what());
    return 1;
  }
  return 0;
}
