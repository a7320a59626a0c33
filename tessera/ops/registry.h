#pragma once
// The op registry: every op, found by name, built from one explicit list (ops/all_ops.cpp) with kernels
// added by the backends. No static initialisers, no macros.
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

class Registry {
 public:
  /// Adds an op; Error if the name is taken. Returns the stored definition (its address never changes).
  OpDef& add(OpDef def);
  /// The op named `name`; Error naming it when there is none.
  const OpDef& get(std::string_view name) const;
  OpDef& get_mutable(std::string_view name);
  const OpDef* find(std::string_view name) const;
  /// Registers `kernel` as `op`'s kernel on `device`.
  void set_kernel(std::string_view op, DeviceType device, KernelFn kernel);
  /// Every op, in registration order.
  std::vector<const OpDef*> all() const;

 private:
  std::vector<std::unique_ptr<OpDef>> ops_;
  std::unordered_map<std::string_view, OpDef*> by_name_;
};

/// The process-wide registry, built on first use: ops/ adds the definitions, then each backend its kernels.
const Registry& registry();

/// Shorthand used by user-facing functions: `static const OpDef& d = op("add");`.
inline const OpDef& op(std::string_view name) { return registry().get(name); }

// Each op family adds its definitions (ops/<family>.cpp); called from ops/all_ops.cpp in a fixed order.
void register_all_ops(Registry& r);

}  // namespace tessera
