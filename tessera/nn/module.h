#pragma once
// nn::Module: the base of every layer and model (PyTorch's torch.nn.Module). A module owns named parameters
// (tensors that require grad), buffers (state that is saved but not trained, e.g. BatchNorm's running mean)
// and child modules, all registered by name without macros. Names nest with dots ("features.0.weight").
//
// Layers keep their tensors as members (`Tensor weight;`) and register the same handle, so the member and the
// registry always see one tensor: load_state_dict copies into it and to(dtype) converts it in place.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/state_dict.h"
#include "tessera/core/tensor.h"

namespace tessera::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The computation of a single-input module. Modules with other signatures define their own call; the default
  /// throws NotImplementedError naming the module.
  virtual Tensor forward(const Tensor& input);
  /// forward(input), then the forward hooks (call modules this way, as PyTorch's __call__, so hooks see them).
  Tensor operator()(const Tensor& input) {
    Tensor out = forward(input);
    if (!forward_hooks_.empty()) run_forward_hooks(input, out);
    return out;
  }

  /// `hook(module, input, output)` runs after every call through operator() (torch's register_forward_hook);
  /// modules with other call signatures run their hooks with their first input and output. Returns an id for
  /// remove_forward_hook.
  using ForwardHook = std::function<void(Module& module, const Tensor& input, const Tensor& output)>;
  int64_t register_forward_hook(ForwardHook hook);
  void remove_forward_hook(int64_t id);

  /// The type name printed in repr and summary ("Conv2d").
  virtual std::string type_name() const = 0;
  /// The constructor arguments shown in repr: "1, 32, kernel_size=(3, 3), padding=(1, 1)".
  virtual std::string extra_repr() const { return ""; }
  /// PyTorch's printout of the module tree.
  std::string repr() const;

  // ---- Parameters, buffers, children (registration order; `recurse` includes descendants) ---------------
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<ModulePtr> children() const;
  const std::vector<std::pair<std::string, ModulePtr>>& named_children() const { return children_; }
  /// This module and all descendants, depth first, with dotted names ("" for this module).
  std::vector<std::pair<std::string, Module*>> named_modules();
  /// The child registered as `name`; KeyError naming the module and the child otherwise.
  ModulePtr child(const std::string& name) const;

  // ---- Modes and utilities --------------------------------------------------------------------------------
  /// Training mode (dropout active, batch norm uses batch statistics) for this module and its descendants.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  /// Converts every floating parameter and buffer to `dtype` in place (handles held elsewhere see the change).
  void to(DType dtype);
  /// Clears (set_to_none) or zeroes the gradients of all parameters.
  void zero_grad(bool set_to_none = true);
  /// Calls fn on every module, children first, then this one (torch's Module.apply).
  void apply(const std::function<void(Module&)>& fn);
  /// Total number of parameter elements.
  int64_t num_parameters() const;

  // ---- State -------------------------------------------------------------------------------------------------
  /// Parameters and buffers by dotted name (detached tensors sharing storage with the module's).
  StateDict state_dict() const;
  /// Copies values from `state` into the module's tensors. With `strict`, any missing key, unexpected key or
  /// shape mismatch is a KeyError (shape: ShapeError) listing every offending key with both shapes, and nothing
  /// is copied; without it, matching keys are loaded and the others ignored (shape mismatches still throw).
  void load_state_dict(const StateDict& state, bool strict = true);

 protected:
  /// Registers a parameter (it is made to require grad unless `requires_grad` is false); returns the handle.
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  /// Registers a buffer (saved in state_dict, not returned by parameters()); an undefined tensor is allowed.
  Tensor register_buffer(const std::string& name, Tensor t);
  /// Registers a child module and returns it.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }
  void add_child(const std::string& name, ModulePtr m);
  /// Puts `m` in the place of the child `name` (same position); KeyError when there is none.
  void replace_child(const std::string& name, ModulePtr m);
  /// Removes and returns the child `name`; KeyError when there is none.
  ModulePtr remove_child(const std::string& name);
  /// Replaces the tensor registered under `name` (parameter or buffer) in place of the old handle's contents.
  void set_buffer(const std::string& name, const Tensor& value);
  /// Runs the forward hooks (for modules whose call is not operator()(Tensor)).
  void run_forward_hooks(const Tensor& input, const Tensor& output);

 private:
  void collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out) const;

  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, ModulePtr>> children_;
  bool training_ = true;
  std::vector<std::pair<int64_t, ForwardHook>> forward_hooks_;
  int64_t next_hook_id_ = 0;
};

/// Shared pointer construction for modules: `auto m = nn::make<nn::Linear>(784, 10);`.
template <class M, class... Args>
std::shared_ptr<M> make(Args&&... args) {
  return std::make_shared<M>(std::forward<Args>(args)...);
}

/// The "[2, 3]" form shapes take in error messages of layers.
std::string shape_of(const Tensor& t);

}  // namespace tessera::nn
