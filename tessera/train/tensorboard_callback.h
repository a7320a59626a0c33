#pragma once
// TensorBoardCallback: logs a fit() run for TensorBoard (Keras' TensorBoard callback): loss and learning rate
// every N steps, every epoch's logs, weight and gradient histograms every M steps, and optionally sample images
// with the model's predictions.
//
// Note [TensorBoard tags]: everything goes to one run (the log_dir), every point at the global step (optimizer
// steps since the start of training), so batch and epoch curves share the x axis:
//   batch/loss, batch/lr              every log_every_n_steps steps
//   epoch/<key>                       each epoch's logs: loss, accuracy, val_loss, val_accuracy, lr, seconds,
//                                     samples_per_sec (what fit provides), and epoch/epoch (1-based)
//   weights/<param>, gradients/<param>  histograms every histogram_every_n_steps steps
//   samples/inputs                    the sample images, once, at the start of training
//   samples/predictions/text_summary  a table of each sample's predicted (and true) class, every epoch
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/io/tensorboard/summary_writer.h"
#include "tessera/train/callback.h"

namespace tessera::train {

struct TensorBoardCallbackOptions {
  /// Steps between batch/loss and batch/lr points (0: none).
  int64_t log_every_n_steps = 10;
  /// Steps between weight and gradient histograms (0: none). Each costs a pass over every parameter.
  int64_t histogram_every_n_steps = 100;
  /// Optional model inputs [N, C, H, W] (C 1, 3 or 4) to show as a grid once and to predict after every epoch
  /// (argmax of the model's [N, classes] outputs over dim 1, in eval mode without gradients; a model with other
  /// outputs gets no predictions table). Keep N small (8).
  Tensor sample_images{};
  /// Optional true classes [N] of the samples, shown beside the predictions.
  Tensor sample_labels{};
  /// Optional class names for the predictions table (class indices otherwise).
  std::vector<std::string> class_names{};
  /// Stretch each sample image to [0, 1] (its min to 0, its max to 1) before display, since model inputs are
  /// usually normalized; off for images already in [0, 1] or uint8.
  bool rescale_images = true;
  /// Trace the model once on inputs shaped like sample_images (any batch size, float32) and write its graph for
  /// TensorBoard's Graphs view. A model that cannot be traced gets a "graph" text entry with the reason instead.
  bool log_graph = true;
  io::SummaryWriterOptions writer{};
};

class TensorBoardCallback : public Callback {
 public:
  /// Opens the run `log_dir` (io::SummaryWriter: IOError naming it when it cannot be created). ValueError for
  /// negative intervals; ShapeError when sample_images is not 4-d or sample_labels does not match it.
  explicit TensorBoardCallback(std::string log_dir, TensorBoardCallbackOptions options = {});

  void on_train_begin(TrainState& s) override;
  void on_batch_end(TrainState& s, int64_t batch, double loss) override;
  void on_epoch_end(TrainState& s, const Logs& logs) override;
  /// Flushes the file (the writer closes when the callback is destroyed).
  void on_train_end(TrainState& s, const History& h) override;

  /// The writer, to add more (e.g. a graph or hyperparameters) to the same run.
  io::SummaryWriter& writer() { return *writer_; }

 private:
  void log_graph(TrainState& s);
  void log_histograms(const TrainState& s);
  void log_predictions(TrainState& s);

  TensorBoardCallbackOptions options_;
  std::unique_ptr<io::SummaryWriter> writer_;
};

}  // namespace tessera::train
