#pragma once
// fit's `choose_graph` option: eager or graph mode, chosen by timing both on the first steps of training.
//
// Note [Choosing the mode]: graph mode pays where a step runs many small ops (dispatch and tape bookkeeping
// dominate: 1.7x for an MLP) and barely matters where a few large kernels dominate (convolutions), and the trace
// itself costs a few steps' time, so the choice depends on the model, the batch and the machine. Like cuDNN's
// benchmark mode, fit measures instead of guessing: step 0 runs eagerly untimed (first-touch allocations), steps
// 1..kTrials eagerly timed, the next step traces the graph untimed, the next kTrials run the graph timed, and the
// mode with the lower median step time trains on. Both modes compute the same step (equal to ~1e-6, not bit for
// bit: fusion reorders nothing but constant folding may round differently), so the choice changes speed, not
// what is learned.
#include <optional>
#include <string>
#include <vector>

namespace tessera::train {

class ModeChooser {
 public:
  static constexpr int kTrials = 5;

  /// Whether the next step runs in graph mode.
  bool graph_next() const;
  /// Records the wall time of the step just run (seconds); makes the choice after the last trial.
  void record(double seconds);
  /// The choice once made: true for graph mode.
  std::optional<bool> choice() const { return choice_; }
  /// "graph mode: median step 21.3 ms vs 23.1 ms eager" once chosen, empty before.
  std::string summary() const;

 private:
  int step_ = 0;
  std::vector<double> eager_, graph_;
  std::optional<bool> choice_;
};

}  // namespace tessera::train
