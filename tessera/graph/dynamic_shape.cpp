#include "tessera/graph/dynamic_shape.h"

#include <array>
#include <cstdlib>

#include "tessera/ops/control_flow.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/pool.h"
#include "tessera/ops/random.h"
#include "tessera/ops/shape.h"

namespace tessera::graph {
namespace {

// Primes at least 100 apart, so that "sentinel + small offset" never reads as another sentinel.
constexpr std::array<std::array<int64_t, 8>, 2> kSentinels = {{
    {10007, 10111, 10211, 10313, 10427, 10529, 10631, 10733},
    {20011, 20113, 20219, 20323, 20431, 20533, 20639, 20743},
}};
// A derived size is k * (product of sentinels) + c with |c| <= kMaxOffset (N - 1 from a "valid" window, ...).
constexpr int64_t kMaxOffset = 16;

struct Decomposed {
  int64_t coefficient = 1;
  std::vector<int> powers;  // per symbol
  int64_t offset = 0;
};

// Finds v = coefficient * prod(sentinel_k ^ power_k) + offset with at least one power > 0.
std::optional<Decomposed> decompose(std::span<const Symbol> symbols, int64_t v) {
  if (symbols.empty() || std::llabs(v) < symbols[0].sentinel - kMaxOffset) return std::nullopt;
  for (int64_t i = 0; i <= 2 * kMaxOffset; ++i) {
    const int64_t c = (i % 2 == 0) ? -(i / 2) : (i + 1) / 2;  // 0, 1, -1, 2, -2, ...
    int64_t r = v - c;
    if (r == 0) continue;
    Decomposed d{.powers = std::vector<int>(symbols.size(), 0), .offset = c};
    bool any = false;
    for (size_t k = 0; k < symbols.size(); ++k) {
      while (r % symbols[k].sentinel == 0) {
        r /= symbols[k].sentinel;
        ++d.powers[k];
        any = true;
      }
    }
    if (any) {
      d.coefficient = r;
      return d;
    }
  }
  return std::nullopt;
}

// Calls f on every integer of the attribute types that carry sizes; f returns the new value. A type missing
// here is caught by trace()'s two-size check (an error naming the node), never silently mis-sized.
template <class F>
void for_each_int(Attrs& a, F&& f) {
  auto ints = [&](auto& v) {
    for (int64_t& x : v) x = f(x);
  };
  auto opt = [&](std::optional<int64_t>& x) {
    if (x) x = f(*x);
  };
  auto scalar = [&](Scalar& s) {
    if (s.is_integral()) {
      s = Scalar(f(s.to_int64()));
    } else if (s.is_floating_point() && s.to_double() == static_cast<double>(static_cast<int64_t>(s.to_double()))) {
      s = Scalar(static_cast<double>(f(s.to_int64())));  // a count used as a float divisor (mean's gradient)
    }
  };
  if (auto* s = dynamic_cast<ShapeAttrs*>(&a)) ints(s->shape);
  if (auto* s = dynamic_cast<FullAttrs*>(&a)) {
    ints(s->shape);
    scalar(s->value);
  }
  if (auto* s = dynamic_cast<UniformAttrs*>(&a)) ints(s->shape);
  if (auto* s = dynamic_cast<NormalAttrs*>(&a)) ints(s->shape);
  if (auto* s = dynamic_cast<RandintAttrs*>(&a)) ints(s->shape);
  if (auto* s = dynamic_cast<SplitAttrs*>(&a)) ints(s->sizes);
  if (auto* s = dynamic_cast<Conv2dAttrs*>(&a)) ints(s->size);  // the gradient ops' output shape
  if (auto* s = dynamic_cast<Conv3dAttrs*>(&a)) ints(s->size);
  if (auto* s = dynamic_cast<Pool2dAttrs*>(&a)) ints(s->size);
  if (auto* s = dynamic_cast<ScanAttrs*>(&a)) s->length = f(s->length);
  if (auto* s = dynamic_cast<AsStridedAttrs*>(&a)) {
    ints(s->size);
    ints(s->stride);
    opt(s->storage_offset);
  }
  if (auto* s = dynamic_cast<SliceAttrs*>(&a)) {
    opt(s->start);
    opt(s->end);
  }
  if (auto* s = dynamic_cast<SelectAttrs*>(&a)) s->index = f(s->index);
  if (auto* s = dynamic_cast<EyeAttrs*>(&a)) {
    s->n = f(s->n);
    s->m = f(s->m);
  }
  if (auto* s = dynamic_cast<RangeAttrs*>(&a)) {
    s->n = f(s->n);
    const int64_t end = static_cast<int64_t>(s->end);
    if (static_cast<double>(end) == s->end) s->end = static_cast<double>(f(end));
  }
}

}  // namespace

int64_t sentinel_for(size_t k, int round) {
  check<ValueError>(k < kSentinels[0].size(), "trace: at most ", kSentinels[0].size(), " dynamic dims are supported");
  return kSentinels[static_cast<size_t>(round)][k];
}

int64_t resolve_int(std::span<const Symbol> symbols, const Bindings& sizes, int64_t v) {
  auto d = decompose(symbols, v);
  if (!d) return v;
  int64_t r = d->coefficient;
  for (size_t k = 0; k < symbols.size(); ++k) {
    const int64_t n = k < sizes.size() && sizes[k] >= 0 ? sizes[k] : symbols[k].sentinel;
    for (int p = 0; p < d->powers[k]; ++p) r *= n;
  }
  return r + d->offset;
}

Shape resolve_shape(std::span<const Symbol> symbols, const Bindings& sizes, IntList shape) {
  Shape out(shape.begin(), shape.end());
  for (int64_t& d : out) d = resolve_int(symbols, sizes, d);
  return out;
}

void bind_shape(std::span<const Symbol> symbols, IntList traced, IntList actual, Bindings& sizes,
                const std::string& what) {
  sizes.resize(symbols.size(), -1);
  bool ok = traced.size() == actual.size();
  for (size_t i = 0; ok && i < traced.size(); ++i) {
    for (size_t k = 0; k < symbols.size(); ++k) {
      if (traced[i] == symbols[k].sentinel && sizes[k] < 0) sizes[k] = actual[i];
    }
  }
  for (size_t i = 0; ok && i < traced.size(); ++i) ok = resolve_int(symbols, sizes, traced[i]) == actual[i];
  if (ok) return;
  std::string bound;
  for (size_t k = 0; k < symbols.size(); ++k) {
    if (sizes[k] >= 0) bound += cat(bound.empty() ? " (with " : ", ", symbols[k].name, " = ", sizes[k]);
  }
  if (!bound.empty()) bound += ")";
  throw ShapeError(
      cat(what, ": expected shape ", symbolic_shape_str(symbols, traced), bound, ", got ", shape_str(actual)));
}

std::string symbolic_shape_str(std::span<const Symbol> symbols, IntList shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    auto d = decompose(symbols, shape[i]);
    if (!d) {
      s += std::to_string(shape[i]);
      continue;
    }
    std::string term = d->coefficient == 1 ? "" : cat(d->coefficient, "*");
    bool first = true;
    for (size_t k = 0; k < symbols.size(); ++k) {
      for (int p = 0; p < d->powers[k]; ++p) {
        term += cat(first ? "" : "*", symbols[k].name);
        first = false;
      }
    }
    if (d->offset != 0) term += cat(d->offset > 0 ? "+" : "", d->offset);
    s += term;
  }
  return s + "]";
}

namespace {
uint32_t mask_of(std::span<const Symbol> symbols, int64_t v) {
  uint32_t m = 0;
  if (auto d = decompose(symbols, v)) {
    for (size_t k = 0; k < d->powers.size(); ++k) m |= d->powers[k] > 0 ? (1u << k) : 0u;
  }
  return m;
}
}  // namespace

uint32_t symbol_mask(std::span<const Symbol> symbols, IntList shape) {
  uint32_t m = 0;
  for (int64_t d : shape) m |= mask_of(symbols, d);
  return m;
}

uint32_t symbol_mask(std::span<const Symbol> symbols, const Attrs& attrs) {
  if (symbols.empty()) return 0;
  uint32_t m = 0;
  auto copy = attrs.clone();
  for_each_int(*copy, [&](int64_t v) {
    m |= mask_of(symbols, v);
    return v;
  });
  return m;
}

bool attrs_depend_on_symbols(std::span<const Symbol> symbols, const Attrs& attrs) {
  return symbol_mask(symbols, attrs) != 0;
}

std::shared_ptr<const Attrs> resolve_attrs(std::span<const Symbol> symbols, const Bindings& sizes,
                                           const std::shared_ptr<const Attrs>& attrs) {
  if (!attrs_depend_on_symbols(symbols, *attrs)) return attrs;
  std::shared_ptr<Attrs> copy = attrs->clone();
  for_each_int(*copy, [&](int64_t v) { return resolve_int(symbols, sizes, v); });
  return copy;
}

}  // namespace tessera::graph
