#include "tessera/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>

#include "tessera/ops/creation.h"

namespace tessera::optim {
namespace {

/// Python's a // b for b > 0.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0) ? 1 : 0); }

/// How many "<prefix><i>" keys 0, 1, ... `sd` holds.
size_t count_indexed(const StateDict& sd, const std::string& prefix) {
  size_t n = 0;
  while (sd.contains(cat(prefix, n))) ++n;
  return n;
}

}  // namespace

// ---- Helpers ----------------------------------------------------------------------------------------------------

std::vector<double> per_group(const Optimizer& optimizer, const std::vector<double>& values, const std::string& who,
                              const std::string& what) {
  const size_t n = optimizer.param_groups().size();
  if (values.size() == 1) return std::vector<double>(n, values[0]);
  check<ValueError>(values.size() == n, who, ": expected ", n, " values for ", what, ", got ", values.size());
  return values;
}

Tensor f64_scalar(double v) { return full({}, v, kFloat64); }
Tensor i64_scalar(int64_t v) { return full({}, v, kInt64); }

// ---- LRScheduler ------------------------------------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer, int64_t last_epoch, std::string name)
    : optimizer_(optimizer), name_(std::move(name)), last_epoch_(last_epoch) {
  auto& groups = optimizer.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    ParamGroup& g = groups[i];
    if (last_epoch == -1) {
      g.options.emplace("initial_lr", g.lr());
    } else {
      check<KeyError>(g.has("initial_lr"), name_, ": param 'initial_lr' is not specified in param_groups[", i,
                      "] when resuming an optimizer");
    }
    base_lrs_.push_back(g.at("initial_lr"));
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::advance(std::optional<double> epoch) {
  ++step_count_;
  if (!epoch) {
    ++last_epoch_;
    apply(get_lr());
    return;
  }
  check<ValueError>(*epoch == std::floor(*epoch), name_, ".step: epoch must be a whole number, got ", *epoch);
  last_epoch_ = static_cast<int64_t>(*epoch);
  auto closed = closed_form_lr();
  apply(closed ? *closed : get_lr());
}

void LRScheduler::apply(const std::vector<double>& lrs) {
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < std::min(groups.size(), lrs.size()); ++i) groups[i].lr() = lrs[i];
  last_lr_ = group_lrs();
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> out;
  for (const auto& g : optimizer_.param_groups()) out.push_back(g.lr());
  return out;
}

StateDict LRScheduler::state_dict() const {
  StateDict sd;
  sd.set("last_epoch", i64_scalar(last_epoch_));
  sd.set("step_count", i64_scalar(step_count_));
  for (size_t i = 0; i < base_lrs_.size(); ++i) sd.set(cat("base_lrs.", i), f64_scalar(base_lrs_[i]));
  for (size_t i = 0; i < last_lr_.size(); ++i) sd.set(cat("last_lr.", i), f64_scalar(last_lr_[i]));
  return sd;
}

void LRScheduler::load_state_dict(const StateDict& sd) {
  const size_t n = count_indexed(sd, "base_lrs."), m = count_indexed(sd, "last_lr.");
  check<ValueError>(n == base_lrs_.size() && m == base_lrs_.size(), name_, ".load_state_dict: saved state has ", n,
                    " base_lrs and ", m, " last_lr entries, the optimizer has ", base_lrs_.size(), " groups");
  last_epoch_ = sd.at("last_epoch").item<int64_t>();
  step_count_ = sd.at("step_count").item<int64_t>();
  for (size_t i = 0; i < n; ++i) base_lrs_[i] = sd.at(cat("base_lrs.", i)).item<double>();
  last_lr_.resize(m);
  for (size_t i = 0; i < m; ++i) last_lr_[i] = sd.at(cat("last_lr.", i)).item<double>();
}

// ---- StepLR, MultiStepLR, ExponentialLR -------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch, "StepLR"), step_size_(step_size), gamma_(gamma) {
  check<ValueError>(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double b : base_lrs_)
    lrs.push_back(b * std::pow(gamma_, static_cast<double>(floor_div(last_epoch_, step_size_))));
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch, "MultiStepLR"), gamma_(gamma) {
  for (int64_t m : milestones) ++milestones_[m];
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  auto it = milestones_.find(last_epoch_);
  if (it == milestones_.end()) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(it->second));
  return lrs;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  int64_t passed = 0;  // bisect_right over the sorted milestones, with multiplicity
  for (auto [epoch, count] : milestones_) passed += epoch <= last_epoch_ ? count : 0;
  std::vector<double> lrs;
  for (double b : base_lrs_) lrs.push_back(b * std::pow(gamma_, static_cast<double>(passed)));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch, "ExponentialLR"), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double b : base_lrs_) lrs.push_back(b * std::pow(gamma_, static_cast<double>(last_epoch_)));
  return lrs;
}

// ---- LinearLR, LambdaLR ------------------------------------------------------------------------------------------

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters,
                   int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch, "LinearLR"),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  check<ValueError>(start_factor > 0.0 && start_factor <= 1.0, "LinearLR: start_factor must be in (0, 1], got ",
                    start_factor);
  check<ValueError>(end_factor >= 0.0 && end_factor <= 1.0, "LinearLR: end_factor must be in [0, 1], got ", end_factor);
  check<ValueError>(total_iters > 0, "LinearLR: total_iters must be positive, got ", total_iters);
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double delta = end_factor_ - start_factor_;
  for (double& lr : lrs) {
    lr = lr * (1.0 + delta / (static_cast<double>(total_iters_) * start_factor_ +
                              static_cast<double>(last_epoch_ - 1) * delta));
  }
  return lrs;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
  const double done = static_cast<double>(std::min(total_iters_, last_epoch_));
  std::vector<double> lrs;
  for (double b : base_lrs_) {
    lrs.push_back(b * (start_factor_ + (end_factor_ - start_factor_) * done / static_cast<double>(total_iters_)));
  }
  return lrs;
}

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda), last_epoch) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch, "LambdaLR"), lambdas_(std::move(lr_lambdas)) {
  check<ValueError>(lambdas_.size() == base_lrs_.size(), "LambdaLR: expected ", base_lrs_.size(),
                    " lr_lambdas, but got ", lambdas_.size());
  for (const auto& f : lambdas_) check<ValueError>(static_cast<bool>(f), "LambdaLR: an lr_lambda is empty");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i) lrs.push_back(base_lrs_[i] * lambdas_[i](last_epoch_));
  return lrs;
}

// ---- SequentialLR ----------------------------------------------------------------------------------------------

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones, int64_t last_epoch)
    : LRScheduler(optimizer, -1, "SequentialLR"),
      schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
  check<ValueError>(!schedulers_.empty(), "SequentialLR: expects at least one scheduler");
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    check<ValueError>(schedulers_[i] && &schedulers_[i]->optimizer() == &optimizer,
                      "SequentialLR: expects all schedulers to belong to the same optimizer, but got scheduler at "
                      "index ",
                      i, " to be different than the optimizer passed in");
  }
  check<ValueError>(milestones_.size() + 1 == schedulers_.size(),
                    "SequentialLR: expects number of schedulers provided to be one more than the number of "
                    "milestone points, but got number of schedulers ",
                    schedulers_.size(), " and the number of milestones to be equal to ", milestones_.size());
  // Undo what constructing the schedulers did, then start the first one afresh (as PyTorch does).
  last_epoch_ = last_epoch + 1;
  for (auto& g : optimizer.param_groups()) g.lr() = g.at("initial_lr");
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::advance(std::optional<double> epoch) {
  check<ValueError>(!epoch.has_value(), "SequentialLR.step: an explicit epoch is not supported");
  ++last_epoch_;
  ++step_count_;
  const size_t idx = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  LRScheduler& s = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) {
    s.step(0.0);
  } else {
    s.step();
  }
  last_lr_ = s.get_last_lr();
}

StateDict SequentialLR::state_dict() const {
  StateDict sd = LRScheduler::state_dict();
  for (size_t i = 0; i < schedulers_.size(); ++i) sd.merge(schedulers_[i]->state_dict(), cat("schedulers.", i, "."));
  return sd;
}

void SequentialLR::load_state_dict(const StateDict& sd) {
  LRScheduler::load_state_dict(sd);
  for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(sd.sub(cat("schedulers.", i, ".")));
}

}  // namespace tessera::optim
