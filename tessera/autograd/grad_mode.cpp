#include "tessera/autograd/grad_mode.h"

#include <atomic>

namespace tessera {
namespace {
thread_local bool g_grad_enabled = true;
std::atomic<bool> g_anomaly{false};
}  // namespace

bool is_grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool enabled) { g_grad_enabled = enabled; }

NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }
EnableGradGuard::EnableGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { g_grad_enabled = previous_; }

bool is_anomaly_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
void set_detect_anomaly(bool enabled) { g_anomaly.store(enabled); }
DetectAnomalyGuard::DetectAnomalyGuard() : previous_(is_anomaly_enabled()) { set_detect_anomaly(true); }
DetectAnomalyGuard::~DetectAnomalyGuard() { set_detect_anomaly(previous_); }

}  // namespace tessera
