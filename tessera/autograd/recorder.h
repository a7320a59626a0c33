#pragma once
// The eager autograd interpreter: runs each op's kernel, then records a tape node when grad mode is on and an
// input requires grad.
#include "tessera/ops/interpreter.h"

namespace tessera::autograd {

class Recorder final : public Interpreter {
 public:
  std::vector<Tensor> process(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                              std::vector<TensorType> out_types) override;
};

/// Makes the recorder the default interpreter (idempotent; called when a tensor first requires grad).
void ensure_recording();

/// Anomaly mode: throws naming the op (and `where`) when `t` holds NaN or Inf.
void check_finite(const Tensor& t, const std::string& op, const char* phase, const std::string& where);
/// A short backtrace of the caller, for anomaly reports.
std::string capture_trace();

}  // namespace tessera::autograd
