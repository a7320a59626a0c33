#include "tessera/optim/cosine_lr.h"

#include <cmath>
#include <numbers>

namespace tessera::optim {
namespace {

constexpr double kPi = std::numbers::pi;

int64_t ipow(int64_t base, int64_t exp) {
  int64_t r = 1;
  while (exp-- > 0) r *= base;
  return r;
}

}  // namespace

// ---- CosineAnnealingLR ------------------------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch, "CosineAnnealingLR"), t_max_(t_max), eta_min_(eta_min) {
  check<ValueError>(t_max > 0, "CosineAnnealingLR: T_max must be positive, got ", t_max);
  initial_step();
}

// PyTorch's recursive form, operation for operation, so long runs agree with it bit for bit.
std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const double e = static_cast<double>(last_epoch_), t = static_cast<double>(t_max_);
  if (last_epoch_ == 0) return lrs;
  for (size_t i = 0; i < lrs.size(); ++i) {
    const double base = base_lrs_[i];
    if (step_count_ == 1 && last_epoch_ > 0) {  // resuming from last_epoch: start on the curve
      lrs[i] = eta_min_ + (base - eta_min_) * (1.0 + std::cos(e * kPi / t)) / 2.0;
    } else if ((last_epoch_ - 1 - t_max_) % (2 * t_max_) == 0) {  // leaving the minimum: the cosine's next step
      lrs[i] = lrs[i] + (base - eta_min_) * (1.0 - std::cos(kPi / t)) / 2.0;
    } else {
      lrs[i] = (1.0 + std::cos(kPi * e / t)) / (1.0 + std::cos(kPi * (e - 1.0) / t)) * (lrs[i] - eta_min_) + eta_min_;
    }
  }
  return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
  std::vector<double> lrs;
  const double e = static_cast<double>(last_epoch_), t = static_cast<double>(t_max_);
  for (double base : base_lrs_) lrs.push_back(eta_min_ + (base - eta_min_) * (1.0 + std::cos(kPi * e / t)) / 2.0);
  return lrs;
}

// ---- CosineAnnealingWarmRestarts --------------------------------------------------------------------------------

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t t_0, int64_t t_mult,
                                                         double eta_min, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch, "CosineAnnealingWarmRestarts"),
      t_0_(t_0),
      t_i_(t_0),
      t_mult_(t_mult),
      eta_min_(eta_min),
      t_cur_(static_cast<double>(last_epoch)) {
  check<ValueError>(t_0 > 0, "CosineAnnealingWarmRestarts: expected positive integer T_0, but got ", t_0);
  check<ValueError>(t_mult >= 1, "CosineAnnealingWarmRestarts: expected integer T_mult >= 1, but got ", t_mult);
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> lrs;
  for (double base : base_lrs_) {
    lrs.push_back(eta_min_ + (base - eta_min_) * (1.0 + std::cos(kPi * t_cur_ / static_cast<double>(t_i_))) / 2.0);
  }
  return lrs;
}

void CosineAnnealingWarmRestarts::advance(std::optional<double> epoch) {
  ++step_count_;
  if (!epoch && last_epoch_ < 0) epoch = 0.0;
  double e;
  if (!epoch) {
    e = static_cast<double>(last_epoch_ + 1);
    t_cur_ += 1.0;
    if (t_cur_ >= static_cast<double>(t_i_)) {
      t_cur_ -= static_cast<double>(t_i_);
      t_i_ *= t_mult_;
    }
  } else {
    e = *epoch;
    check<ValueError>(e >= 0.0, "CosineAnnealingWarmRestarts.step: expected non-negative epoch, but got ", e);
    const double t0 = static_cast<double>(t_0_);
    if (e < t0) {
      t_i_ = t_0_;
      t_cur_ = e;
    } else if (t_mult_ == 1) {
      t_cur_ = std::fmod(e, t0);
    } else {
      const double m = static_cast<double>(t_mult_);
      const auto n = static_cast<int64_t>(std::log(e / t0 * (m - 1.0) + 1.0) / std::log(m));  // restarts so far
      t_cur_ = e - static_cast<double>(t_0_ * (ipow(t_mult_, n) - 1)) / (m - 1.0);
      t_i_ = t_0_ * ipow(t_mult_, n);
    }
  }
  last_epoch_ = static_cast<int64_t>(std::floor(e));
  apply(get_lr());
}

StateDict CosineAnnealingWarmRestarts::state_dict() const {
  StateDict sd = LRScheduler::state_dict();
  sd.set("T_i", i64_scalar(t_i_));
  sd.set("T_cur", f64_scalar(t_cur_));
  return sd;
}

void CosineAnnealingWarmRestarts::load_state_dict(const StateDict& sd) {
  LRScheduler::load_state_dict(sd);
  t_i_ = sd.at("T_i").item<int64_t>();
  t_cur_ = sd.at("T_cur").item<double>();
}

// ---- OneCycleLR -------------------------------------------------------------------------------------------------

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& o)
    : LRScheduler(optimizer, o.last_epoch, "OneCycleLR"),
      linear_(o.anneal_strategy == "linear"),
      cycle_momentum_(o.cycle_momentum),
      use_beta1_(optimizer.defaults().count("betas0") != 0) {
  check<ValueError>(o.total_steps != 0 || o.epochs != 0 || o.steps_per_epoch != 0,
                    "OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)");
  if (o.total_steps != 0) {
    check<ValueError>(o.total_steps > 0, "OneCycleLR: expected positive integer total_steps, but got ", o.total_steps);
    total_steps_ = o.total_steps;
  } else {
    check<ValueError>(o.epochs > 0, "OneCycleLR: expected positive integer epochs, but got ", o.epochs);
    check<ValueError>(o.steps_per_epoch > 0, "OneCycleLR: expected positive integer steps_per_epoch, but got ",
                      o.steps_per_epoch);
    total_steps_ = o.epochs * o.steps_per_epoch;
  }
  check<ValueError>(o.pct_start >= 0.0 && o.pct_start <= 1.0,
                    "OneCycleLR: expected float between 0 and 1 pct_start, but got ", o.pct_start);
  check<ValueError>(o.anneal_strategy == "cos" || o.anneal_strategy == "linear",
                    "OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', instead got ", o.anneal_strategy);
  check<ValueError>(!o.max_lr.empty(), "OneCycleLR: max_lr is required");
  const std::vector<double> max_lrs = per_group(optimizer, o.max_lr, "OneCycleLR", "max_lr");
  check<ValueError>(!cycle_momentum_ || use_beta1_ || optimizer.defaults().count("momentum"),
                    "OneCycleLR: optimizer must support momentum with `cycle_momentum` option enabled");

  const double total = static_cast<double>(total_steps_);
  if (o.three_phase) {
    phases_ = {{o.pct_start * total - 1.0, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {2.0 * o.pct_start * total - 2.0, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
               {total - 1.0, "initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  } else {
    phases_ = {{o.pct_start * total - 1.0, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {total - 1.0, "max_lr", "min_lr", "base_momentum", "max_momentum"}};
  }

  auto& groups = optimizer.param_groups();
  if (o.last_epoch == -1) {
    for (size_t i = 0; i < groups.size(); ++i) {
      Options& g = groups[i].options;
      g["initial_lr"] = max_lrs[i] / o.div_factor;
      g["max_lr"] = max_lrs[i];
      g["min_lr"] = g["initial_lr"] / o.final_div_factor;
      if (cycle_momentum_) {
        g[use_beta1_ ? "betas0" : "momentum"] = o.max_momentum;
        g["max_momentum"] = o.max_momentum;
        g["base_momentum"] = o.base_momentum;
      }
    }
  }
  for (size_t i = 0; i < groups.size(); ++i) base_lrs_[i] = groups[i].at("initial_lr");
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (linear_) return (end - start) * pct + start;
  const double cos_out = std::cos(kPi * pct) + 1.0;
  return end + (start - end) / 2.0 * cos_out;
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  check<ValueError>(step_num <= total_steps_, "OneCycleLR: tried to step ", step_num + 1,
                    " times. The specified number of total steps is ", total_steps_);
  std::vector<double> lrs;
  for (auto& group : optimizer_.param_groups()) {
    double start_step = 0.0, lr = 0.0, momentum = 0.0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (static_cast<double>(step_num) <= ph.end_step || i + 1 == phases_.size()) {
        const double pct = (static_cast<double>(step_num) - start_step) / (ph.end_step - start_step);
        lr = anneal(group.at(ph.start_lr), group.at(ph.end_lr), pct);
        if (cycle_momentum_) momentum = anneal(group.at(ph.start_momentum), group.at(ph.end_momentum), pct);
        break;
      }
      start_step = ph.end_step;
    }
    lrs.push_back(lr);
    if (cycle_momentum_) group.at(use_beta1_ ? "betas0" : "momentum") = momentum;
  }
  return lrs;
}

}  // namespace tessera::optim
