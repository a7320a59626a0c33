#include "tessera/train/fit.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <tuple>

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/shape.h"
#include "tessera/optim/clip_grad.h"
#include "tessera/train/graph_step.h"
#include "tessera/train/metrics.h"
#include "tessera/train/mode_chooser.h"
#include "tessera/train/progress.h"

namespace tessera::train {
namespace {

bool is_classification(const Tensor& output, const Tensor& target) {
  return output.dim() == 2 && target.dim() == 1 && !is_floating_point(target.dtype()) && target.dtype() != kBool;
}

// Running sums over one pass of a loader.
struct Totals {
  double loss_sum = 0;
  int64_t correct = 0, samples = 0;
  Metrics metrics(bool classification, const std::string& prefix = "") const {
    Metrics m{{prefix + "loss", samples ? loss_sum / double(samples) : 0.0}};
    if (classification) m.emplace_back(prefix + "accuracy", samples ? double(correct) / double(samples) : 0.0);
    return m;
  }
};

void check_batch(const data::Batch& b) {
  check<ValueError>(b.size() >= 2, "fit: expected batches of {input, target}, got ", b.size(), " tensors");
}

// A mode switch undone at scope exit (evaluate and predict leave the model as they found it).
class EvalMode {
 public:
  explicit EvalMode(nn::Module& m) : m_(m), was_training_(m.is_training()) { m.eval(); }
  ~EvalMode() { m_.train(was_training_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  nn::Module& m_;
  bool was_training_;
};

}  // namespace

History fit(nn::Module& model, const LossFn& loss_fn, optim::Optimizer& optimizer, data::DataLoader& train,
            const FitOptions& o) {
  check<ValueError>(o.epochs >= 0 && o.initial_epoch >= 0, "fit: epochs and initial_epoch must be >= 0");
  TrainState state{model, optimizer};
  state.epochs = o.epochs;
  state.global_step = o.initial_epoch * train.size();
  History history;
  std::optional<bool> classification = o.classification;
  const bool live = o.verbose == 1 && o.out == &std::cout && ProgressBar::is_terminal(STDOUT_FILENO);
  for (auto& cb : o.callbacks) cb->on_train_begin(state);
  std::optional<GraphStep> graph_step;
  if (o.graph || o.choose_graph) graph_step.emplace(model, loss_fn);
  std::optional<ModeChooser> chooser;
  if (o.choose_graph) chooser.emplace();

  for (int64_t epoch = o.initial_epoch; epoch < o.epochs && !state.stop_training; ++epoch) {
    state.epoch = epoch;
    model.train();
    for (auto& cb : o.callbacks) cb->on_epoch_begin(state);
    train.set_epoch(epoch);
    ProgressBar bar(*o.out, live, epoch + 1, o.epochs, train.size());
    Totals totals;
    int64_t batch_index = 0;
    bool announce = false;  // the mode was chosen in this epoch: say so after its line
    for (const data::Batch& batch : train) {
      check_batch(batch);
      const Tensor &x = batch[0], &y = batch[1];
      optimizer.zero_grad();
      Tensor out, loss;
      const auto step_start = std::chrono::steady_clock::now();
      if (graph_step && (!chooser || chooser->graph_next())) {
        std::tie(loss, out) = graph_step->run(x, y);
      } else {
        out = model(x);
        loss = loss_fn(out, y);
        loss.backward();
      }
      if (!classification) classification = is_classification(out, y);
      if (o.clip_grad_norm) optim::clip_grad_norm_(model.parameters(), *o.clip_grad_norm);
      optimizer.step();
      ++state.global_step;
      if (chooser && !chooser->choice()) {
        chooser->record(std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count());
        announce = chooser->choice().has_value() && o.verbose > 0;
      }

      const double lv = loss.item<double>();
      const int64_t n = x.size(0);
      if (o.stop_on_nonfinite_loss && !std::isfinite(lv)) {
        state.stop_training = true;
        state.stop_reason = cat("training stopped: the loss is ", lv, " at epoch ", epoch + 1, ", step ",
                                batch_index + 1, " (global step ", state.global_step, ")");
        break;
      }
      totals.loss_sum += lv * double(n);
      totals.samples += n;
      if (*classification) totals.correct += correct_count(out, y);
      for (auto& cb : o.callbacks) cb->on_batch_end(state, batch_index, lv);
      ++batch_index;
      bar.update(batch_index, totals.samples, totals.metrics(*classification));
      if (state.stop_training) break;
    }
    if (!state.stop_reason.empty() && totals.samples == 0) break;

    Metrics shown = totals.metrics(classification.value_or(false));
    Logs logs(shown.begin(), shown.end());
    if (o.validation) {
      const Logs v = evaluate(model, loss_fn, *o.validation);
      for (const char* k : {"loss", "accuracy"}) {
        auto it = v.find(k);
        if (it == v.end()) continue;
        logs[cat("val_", k)] = it->second;
        shown.emplace_back(cat("val_", k), it->second);
      }
    }
    if (chooser && chooser->choice()) logs["graph"] = *chooser->choice() ? 1.0 : 0.0;
    logs["lr"] = optimizer.param_groups().empty() ? 0.0 : optimizer.param_groups()[0].lr();
    logs["seconds"] = bar.elapsed_seconds();
    logs["samples_per_sec"] = logs["seconds"] > 0 ? double(totals.samples) / logs["seconds"] : 0.0;
    if (o.verbose > 0) bar.finish(totals.samples, shown);
    if (announce) *o.out << chooser->summary() << "\n";
    history.epochs.push_back(logs);
    for (auto& cb : o.callbacks) cb->on_epoch_end(state, logs);
  }
  history.stop_reason = state.stop_reason;
  if (o.verbose > 0 && !state.stop_reason.empty()) *o.out << state.stop_reason << "\n";
  for (auto& cb : o.callbacks) cb->on_train_end(state, history);
  return history;
}

Logs evaluate(nn::Module& model, const LossFn& loss_fn, data::DataLoader& loader) {
  EvalMode eval(model);
  NoGradGuard no_grad;
  Totals totals;
  bool classification = false;
  for (const data::Batch& batch : loader) {
    check_batch(batch);
    const Tensor out = model(batch[0]);
    const int64_t n = batch[0].size(0);
    classification = is_classification(out, batch[1]);
    totals.loss_sum += loss_fn(out, batch[1]).item<double>() * double(n);
    totals.samples += n;
    if (classification) totals.correct += correct_count(out, batch[1]);
  }
  const Metrics m = totals.metrics(classification);
  return Logs(m.begin(), m.end());
}

Tensor predict(nn::Module& model, data::DataLoader& loader) {
  EvalMode eval(model);
  NoGradGuard no_grad;
  std::vector<Tensor> outs;
  for (const data::Batch& batch : loader) outs.push_back(model(batch[0]));
  check<ValueError>(!outs.empty(), "predict: the loader yielded no batches");
  return tessera::cat(outs, int64_t{0});
}

}  // namespace tessera::train
