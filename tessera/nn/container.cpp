#include "tessera/nn/container.h"

#include <string>

namespace tessera::nn {
namespace {
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
  for (const auto& [name, m] : named_children()) x = m->forward(x);
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

}  // namespace tessera::nn
