#pragma once
// Containers: Sequential (children applied in order, named "0", "1", ...) and ModuleList.
#include <initializer_list>
#include <vector>

#include "tessera/nn/module.h"

namespace tessera::nn {

/// Applies its children in order: `Sequential({make<Conv2d>(1, 32, 3), make<ReLU>(), ...})`.
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<ModulePtr> modules);
  /// Appends a module (named by its position) and returns *this.
  Sequential& push_back(ModulePtr m);
  /// Appends a module under a given name (torch's OrderedDict form).
  Sequential& push_back(const std::string& name, ModulePtr m);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Sequential"; }
  size_t size() const { return named_children().size(); }
  /// The i-th module (negative counts from the end); IndexError when out of range.
  ModulePtr operator[](int64_t i) const;
};

/// Holds modules so that their parameters are registered; does not define forward.
class ModuleList : public Module {
 public:
  ModuleList() = default;
  explicit ModuleList(std::vector<ModulePtr> modules);
  ModuleList& push_back(ModulePtr m);
  std::string type_name() const override { return "ModuleList"; }
  size_t size() const { return named_children().size(); }
  ModulePtr operator[](int64_t i) const;
};

}  // namespace tessera::nn
