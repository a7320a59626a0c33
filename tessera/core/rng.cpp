#include "tessera/core/rng.h"

namespace tessera {

Generator& Generator::operator=(const Generator& other) {
  if (this != &other) set_state(other.get_state());
  return *this;
}

void Generator::manual_seed(uint64_t seed) { set_state({seed, 0}); }

void Generator::set_offset(uint64_t offset) {
  std::lock_guard lock(mutex_);
  state_.offset = offset;
}

GeneratorState Generator::reserve_state(uint64_t n_blocks) {
  std::lock_guard lock(mutex_);
  GeneratorState s = state_;
  state_.offset += n_blocks;
  return s;
}

GeneratorState Generator::get_state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void Generator::set_state(const GeneratorState& state) {
  std::lock_guard lock(mutex_);
  state_ = state;
}

Generator& default_generator() {
  static Generator g(kDefaultSeed);
  return g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace tessera
