#pragma once
// Optimizer: the base of SGD, Adam, ... (torch.optim.Optimizer, PyTorch 1.13 semantics).
//
// Parameters are organised in groups, each with its own hyperparameters held in a small name -> double map
// ("lr", "momentum", "betas0", "betas1", ...; booleans are 0/1), so schedulers and checkpoints treat every
// optimizer alike. Per-parameter state ("exp_avg", "step", ...) is a set of named tensors of the parameter's
// shape and dtype ("step"-like counters are 0-d float64 tensors). Both are saved in one flat StateDict:
//   state.<param index>.<name>       state tensors (param index counts through the groups in order)
//   param_groups.<g>.<hyper>         0-d float64 tensors
//   param_groups.<g>.params          int64 [n] tensor of the group's param indices
// which is PyTorch's optimizer.state_dict() layout, flattened.
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/core/state_dict.h"
#include "tessera/core/tensor.h"
#include "tessera/optim/constraint.h"

namespace tessera::optim {

/// The default of a hyperparameter the caller must give (SGD's lr, as PyTorch's `required`).
inline constexpr double kRequired = std::numeric_limits<double>::quiet_NaN();

/// Hyperparameters by name (PyTorch's names; a pair like betas is "betas0", "betas1"; booleans are 0 or 1).
using Options = std::map<std::string, double>;

/// A set of parameters sharing hyperparameters (an entry of PyTorch's optimizer.param_groups).
/// Options given here override the optimizer's defaults; missing ones are filled from them.
struct ParamGroup {
  std::vector<Tensor> params;
  Options options;

  /// The hyperparameter `name`; KeyError naming it when the group has none.
  double& at(const std::string& name);
  double at(const std::string& name) const;
  bool has(const std::string& name) const { return options.count(name) != 0; }
  /// A boolean option (nonzero = true).
  bool flag(const std::string& name) const { return at(name) != 0.0; }
  /// The learning rate ("lr"), which schedulers adjust.
  double& lr() { return at("lr"); }
  double lr() const { return at("lr"); }
};

/// Named state tensors of one parameter ("exp_avg", "step", ...), ordered by name.
using ParamState = std::map<std::string, Tensor>;

/// Checks an optimizer's hyperparameters; throws ValueError naming the optimizer and the argument.
using OptionsValidator = std::function<void(const Options&)>;

/// The base of every optimizer. A subclass implements update() for one parameter; step() walks the groups,
/// skips parameters without a gradient, runs the updates without recording them on the tape, then applies the
/// parameter constraints.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient, then the constraints.
  void step();
  /// Clears the gradients: sets them to undefined (`set_to_none`, the default as in PyTorch 2) or zeroes them.
  void zero_grad(bool set_to_none = true);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  /// The defaults that groups fall back on.
  const Options& defaults() const { return defaults_; }
  /// "SGD", "Adam", ... (used in error messages).
  const std::string& name() const { return name_; }
  /// Adds a group (torch's add_param_group): missing options come from the defaults. ValueError for an empty
  /// or undefined parameter, a non-leaf, a parameter already in a group, or a bad hyperparameter; KeyError for
  /// an option the optimizer does not have.
  void add_param_group(ParamGroup group);

  /// The state of `param` (empty before its first update); KeyError when `param` is not optimized here.
  const ParamState& state(const Tensor& param) const;
  /// The flat state dict described at the top of this file. State tensors alias the live state (clone them to
  /// keep a snapshot while stepping on), as in PyTorch.
  StateDict state_dict() const;
  /// Restores hyperparameters and state saved by state_dict() into this optimizer's parameters, matched by
  /// position. ValueError when the group count or a group's parameter count differs, or when state tensors do
  /// not fit their parameters (listing every offending key); nothing is changed then. Floating state is cast to
  /// the parameter's dtype and copied, so stepping on resumes bit-identically.
  void load_state_dict(const StateDict& state_dict);

  /// Projects `param` with `constraint` after every step (Keras' kernel_constraint); ValueError when `param`
  /// is not optimized here.
  void add_constraint(const Tensor& param, Constraint constraint);
  /// Projects every parameter (including ones added later) with `constraint` after every step.
  void add_constraint(Constraint constraint);

 protected:
  /// Builds an optimizer over one group of `params`. `validate` checks each group's options.
  Optimizer(std::string name, std::vector<Tensor> params, Options defaults, OptionsValidator validate);
  Optimizer(std::string name, std::vector<ParamGroup> groups, Options defaults, OptionsValidator validate);

  /// Updates `param` in place from `grad` (same shape) with `group`'s hyperparameters and its `state`
  /// (empty on the first call). Runs under NoGradGuard.
  virtual void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) = 0;
  /// State entries that are 0-d whatever the parameter's shape (default: "step").
  virtual bool is_scalar_state(const std::string& name) const { return name == "step"; }

 private:
  struct ConstraintEntry {
    Tensor param;  ///< Undefined: every parameter.
    Constraint fn;
  };

  void add_param_groups(std::vector<ParamGroup> groups);
  bool owns(const Tensor& param) const;

  std::string name_;
  Options defaults_;
  OptionsValidator validate_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
  std::vector<ConstraintEntry> constraints_;
};

// ---- Helpers for subclasses ---------------------------------------------------------------------------------

/// The state tensor `name` of `param`, created as full_like(param, init) when absent.
Tensor& state_buffer(ParamState& state, const std::string& name, const Tensor& param, double init = 0.0);
/// The 0-d float64 state counter `name` (created as `init`), as a reference to its value.
double& state_scalar(ParamState& state, const std::string& name, double init = 0.0);

/// Throws ValueError "<optimizer>: invalid <arg> value: <v> (<rule>)" unless `ok`.
void check_option(bool ok, const std::string& optimizer, const std::string& arg, double value, const char* rule);
/// Checks the options shared by most optimizers when present: lr given (not kRequired); lr, eps, weight_decay,
/// momentum >= 0; 0 <= betas0, betas1 < 1.
void check_common_options(const std::string& optimizer, const Options& o);

}  // namespace tessera::optim
