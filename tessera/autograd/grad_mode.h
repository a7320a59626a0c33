#pragma once
// Whether ops are recorded on the tape (per thread), and anomaly mode (process-wide).
namespace tessera {

/// True while ops on tensors that require grad are recorded (the default).
bool is_grad_enabled();
void set_grad_enabled(bool enabled);

/// Disables recording for its scope (torch.no_grad): results do not require grad.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// Enables recording for its scope (torch.enable_grad), e.g. inside a NoGradGuard.
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

/// Anomaly mode (torch.autograd.set_detect_anomaly): every recorded op checks its outputs, and backward checks
/// each gradient, for NaN/Inf; the first offender throws an Error naming the op and where it was created.
bool is_anomaly_enabled();
void set_detect_anomaly(bool enabled);

/// Turns anomaly mode on for its scope.
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace tessera
