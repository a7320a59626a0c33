#pragma once
// StateDict: an ordered map from dotted names to tensors ("features.0.weight", "state.0.exp_avg").
// Modules, optimizers and schedulers all save into this one flat form, so a checkpoint is one set of named
// tensors (safetensors) whatever produced it. Order is insertion order, as in PyTorch's OrderedDict.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tessera/core/error.h"
#include "tessera/core/tensor.h"

namespace tessera {

class StateDict {
 public:
  using Item = std::pair<std::string, Tensor>;

  /// Adds or replaces `name`; a new name goes at the end.
  void set(const std::string& name, Tensor t) {
    auto it = index_.find(name);
    if (it != index_.end()) {
      items_[it->second].second = std::move(t);
      return;
    }
    index_.emplace(name, items_.size());
    items_.emplace_back(name, std::move(t));
  }
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  /// The tensor stored under `name`; KeyError naming the key when absent.
  const Tensor& at(const std::string& name) const {
    auto it = index_.find(name);
    check<KeyError>(it != index_.end(), "state_dict: no entry named '", name, "'");
    return items_[it->second].second;
  }
  /// Null when absent.
  const Tensor* find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  const std::vector<Item>& items() const { return items_; }

  /// The entries whose name starts with `prefix`, with the prefix removed (`sub("optimizer.")`).
  StateDict sub(const std::string& prefix) const {
    StateDict out;
    for (const auto& [k, v] : items_) {
      if (k.compare(0, prefix.size(), prefix) == 0) out.set(k.substr(prefix.size()), v);
    }
    return out;
  }
  /// Adds every entry of `other` under `prefix`.
  void merge(const StateDict& other, const std::string& prefix = "") {
    for (const auto& [k, v] : other) set(prefix + k, v);
  }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace tessera
