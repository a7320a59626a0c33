#include "tessera/nn/container.h"

#include <optional>
#include <string>

#include "tessera/graph/name_scope.h"
#include "tessera/graph/tracer.h"

namespace tessera::nn {
namespace {
// A child's name scope in a traced graph: its name, or "<Type>_<index>" for the numbered children of a Sequential.
std::string layer_scope(const std::string& name, const Module& m) {
  const bool numbered = !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
  return numbered ? m.type_name() + "_" + name : name;
}

ModulePtr at(const Module& m, int64_t i) {
  const auto& c = m.named_children();
  const int64_t n = static_cast<int64_t>(c.size());
  check<IndexError>(i >= -n && i < n, m.type_name(), ": index ", i, " is out of range for ", n, " modules");
  return c[i < 0 ? i + n : i].second;
}
}  // namespace

Sequential::Sequential(std::vector<ModulePtr> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

Sequential& Sequential::push_back(ModulePtr m) { return push_back(std::to_string(size()), std::move(m)); }

Sequential& Sequential::push_back(const std::string& name, ModulePtr m) {
  add_child(name, std::move(m));
  return *this;
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& [name, m] : named_children()) {
    std::optional<graph::NameScope> scope;  // traced nodes are named "Conv2d_0/conv2d", "ReLU_1/relu"
    if (graph::is_tracing()) scope.emplace(layer_scope(name, *m));
    x = (*m)(x);
  }
  return x;
}

ModulePtr Sequential::operator[](int64_t i) const { return at(*this, i); }

ModuleList::ModuleList(std::vector<ModulePtr> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

ModuleList& ModuleList::push_back(ModulePtr m) {
  add_child(std::to_string(size()), std::move(m));
  return *this;
}

ModulePtr ModuleList::operator[](int64_t i) const { return at(*this, i); }

ModuleDict::ModuleDict(std::vector<std::pair<std::string, ModulePtr>> modules) { update(modules); }

ModuleDict& ModuleDict::insert(const std::string& key, ModulePtr m) {
  check<KeyError>(!key.empty() && key.find('.') == std::string::npos,
                  "ModuleDict: a key must be non-empty and contain no '.', got '", key, "'");
  if (contains(key)) {
    replace_child(key, std::move(m));
  } else {
    add_child(key, std::move(m));
  }
  return *this;
}

ModulePtr ModuleDict::pop(const std::string& key) {
  check<KeyError>(contains(key), "ModuleDict: no key '", key, "'");
  return remove_child(key);
}

void ModuleDict::clear() {
  for (const std::string& k : keys()) remove_child(k);
}

ModuleDict& ModuleDict::update(const std::vector<std::pair<std::string, ModulePtr>>& modules) {
  for (const auto& [key, m] : modules) insert(key, m);
  return *this;
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& [n, c] : named_children()) {
    if (n == key) return true;
  }
  return false;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [n, c] : named_children()) out.push_back(n);
  return out;
}

}  // namespace tessera::nn
