#include "tessera/ops/registry.h"

#include "tessera/core/error.h"

namespace tessera {

OpDef& Registry::add(OpDef def) {
  check(!def.name.empty(), "Registry: op without a name");
  check(by_name_.find(def.name) == by_name_.end(), "Registry: op '", def.name, "' registered twice");
  check(def.infer != nullptr, "Registry: op '", def.name, "' has no shape rule");
  ops_.push_back(std::make_unique<OpDef>(std::move(def)));
  OpDef* p = ops_.back().get();
  by_name_.emplace(p->name, p);
  return *p;
}

const OpDef* Registry::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const OpDef& Registry::get(std::string_view name) const {
  const OpDef* d = find(name);
  check(d != nullptr, "Registry: no op named '", name, "'");
  return *d;
}

OpDef& Registry::get_mutable(std::string_view name) { return const_cast<OpDef&>(get(name)); }

void Registry::set_kernel(std::string_view op, DeviceType device, KernelFn kernel) {
  get_mutable(op).kernels[static_cast<int>(device)] = kernel;
}

std::vector<const OpDef*> Registry::all() const {
  std::vector<const OpDef*> v;
  v.reserve(ops_.size());
  for (const auto& p : ops_) v.push_back(p.get());
  return v;
}

TensorType type_of(const Tensor& t) { return {t.dtype(), t.shape(), t.device()}; }

}  // namespace tessera
