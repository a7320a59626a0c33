#pragma once
// Containers: Sequential (children applied in order, named "0", "1", ...), ModuleList and ModuleDict.
#include <initializer_list>
#include <string>
#include <utility>
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

/// Holds modules under string keys in insertion order (torch.nn.ModuleDict): its parameters are named
/// "key.weight". Does not define forward.
class ModuleDict : public Module {
 public:
  ModuleDict() = default;
  explicit ModuleDict(std::vector<std::pair<std::string, ModulePtr>> modules);
  /// Puts `m` under `key` and returns *this; an existing key keeps its position and gets the new module (torch's
  /// d[key] = m). KeyError for an empty key or one containing '.'.
  ModuleDict& insert(const std::string& key, ModulePtr m);
  /// Removes and returns the module under `key` (torch's pop); KeyError naming the key when absent.
  ModulePtr pop(const std::string& key);
  /// Removes every module.
  void clear();
  /// Inserts every pair in order (torch's update; the same KeyErrors as insert).
  ModuleDict& update(const std::vector<std::pair<std::string, ModulePtr>>& modules);
  /// The module under `key`; KeyError naming the key otherwise.
  ModulePtr operator[](const std::string& key) const { return child(key); }
  bool contains(const std::string& key) const;
  size_t size() const { return named_children().size(); }
  bool empty() const { return named_children().empty(); }
  std::vector<std::string> keys() const;
  std::vector<ModulePtr> values() const { return children(); }
  const std::vector<std::pair<std::string, ModulePtr>>& items() const { return named_children(); }
  std::string type_name() const override { return "ModuleDict"; }
};

}  // namespace tessera::nn
