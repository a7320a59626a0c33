#include "tessera/train/tensorboard_callback.h"

#include <sstream>

#include "tessera/autograd/grad_mode.h"
#include "tessera/io/tensorboard/graph_summary.h"
#include "tessera/nn/trace.h"
#include "tessera/ops/reduce.h"

namespace tessera::train {
namespace {

bool every(int64_t step, int64_t n) { return n > 0 && step % n == 0; }

// Each image stretched to [0, 1] (a constant image becomes 0).
Tensor rescale(const Tensor& images) {
  const Tensor x = images.to(kFloat32);
  const Tensor lo = x.amin({1, 2, 3}, true), hi = x.amax({1, 2, 3}, true);
  return (x - lo) / (hi - lo).clamp(1e-12);
}

std::string class_name(const std::vector<std::string>& names, int64_t c) {
  return c >= 0 && c < static_cast<int64_t>(names.size()) ? names[static_cast<size_t>(c)] : std::to_string(c);
}

// Restores the model's mode on scope exit.
class EvalScope {
 public:
  explicit EvalScope(nn::Module& m) : m_(m), training_(m.is_training()) { m.eval(); }
  ~EvalScope() { m_.train(training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  nn::Module& m_;
  bool training_;
};

}  // namespace

TensorBoardCallback::TensorBoardCallback(std::string log_dir, TensorBoardCallbackOptions options)
    : options_(std::move(options)) {
  check<ValueError>(options_.log_every_n_steps >= 0 && options_.histogram_every_n_steps >= 0,
                    "TensorBoardCallback: log_every_n_steps and histogram_every_n_steps must be >= 0");
  const Tensor& x = options_.sample_images;
  check<ShapeError>(!x.defined() || (x.dim() == 4 && x.size(0) > 0), "TensorBoardCallback: sample_images must be ",
                    "[N, C, H, W] with N >= 1, got shape ", fmt_shape(x.defined() ? x.shape() : Shape{}));
  const Tensor& y = options_.sample_labels;
  check<ShapeError>(!y.defined() || (x.defined() && y.dim() == 1 && y.size(0) == x.size(0)),
                    "TensorBoardCallback: sample_labels must be [N] for sample_images [N, C, H, W], got shape ",
                    fmt_shape(y.defined() ? y.shape() : Shape{}));
  writer_ = std::make_unique<io::SummaryWriter>(std::move(log_dir), options_.writer);
}

void TensorBoardCallback::on_train_begin(TrainState& s) {
  if (!options_.sample_images.defined()) return;
  NoGradGuard no_grad;
  const Tensor x = options_.sample_images.detach();
  writer_->add_images("samples/inputs", options_.rescale_images ? rescale(x) : x, s.global_step);
  if (options_.log_graph) log_graph(s);
}

void TensorBoardCallback::log_graph(TrainState& s) {
  graph::InputSpec input = graph::InputSpec::like("input", options_.sample_images, {{0, "N"}});
  input.dtype = kFloat32;
  try {
    io::add_graph(*writer_, nn::trace(s.model, input, "output"));
  } catch (const Error& e) {
    writer_->add_text("graph", cat("the model could not be traced: ", e.what()), s.global_step);
  }
}

void TensorBoardCallback::on_batch_end(TrainState& s, int64_t, double loss) {
  if (every(s.global_step, options_.log_every_n_steps)) {
    writer_->add_scalar("batch/loss", loss, s.global_step);
    if (!s.optimizer.param_groups().empty()) {
      writer_->add_scalar("batch/lr", s.optimizer.param_groups()[0].lr(), s.global_step);
    }
  }
  if (every(s.global_step, options_.histogram_every_n_steps)) log_histograms(s);
}

void TensorBoardCallback::on_epoch_end(TrainState& s, const Logs& logs) {
  writer_->add_scalar("epoch/epoch", static_cast<double>(s.epoch + 1), s.global_step);
  for (const auto& [key, value] : logs) writer_->add_scalar("epoch/" + key, value, s.global_step);
  if (options_.sample_images.defined()) log_predictions(s);
}

void TensorBoardCallback::on_train_end(TrainState&, const History&) { writer_->flush(); }

void TensorBoardCallback::log_histograms(const TrainState& s) {
  for (const auto& [name, p] : s.model.named_parameters()) {
    if (p.numel() == 0) continue;
    writer_->add_histogram("weights/" + name, p, s.global_step);
    const Tensor g = p.grad();
    if (g.defined()) writer_->add_histogram("gradients/" + name, g, s.global_step);
  }
}

// A Markdown table of the samples' predicted classes (and true ones when given).
void TensorBoardCallback::log_predictions(TrainState& s) {
  Tensor predicted;
  {
    EvalScope eval(s.model);
    NoGradGuard no_grad;
    const Tensor out = s.model(options_.sample_images);
    if (out.dim() != 2) return;  // not a classifier: nothing to tabulate
    predicted = argmax(out, 1).to(kInt64).contiguous();
  }
  const bool labels = options_.sample_labels.defined();
  const Tensor truth = labels ? options_.sample_labels.to(kInt64).contiguous() : Tensor();
  std::ostringstream md;
  md << (labels ? "| sample | predicted | true |\n|---|---|---|\n" : "| sample | predicted |\n|---|---|\n");
  for (int64_t i = 0; i < predicted.numel(); ++i) {
    md << "| " << i << " | " << class_name(options_.class_names, predicted.data_ptr<const int64_t>()[i]);
    if (labels) md << " | " << class_name(options_.class_names, truth.data_ptr<const int64_t>()[i]);
    md << " |\n";
  }
  writer_->add_text("samples/predictions", md.str(), s.global_step);
}

}  // namespace tessera::train
