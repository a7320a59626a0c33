#pragma once
// Dynamic dimensions (Note [Sentinel dims]).
//
// A graph is traced once and serves any size of its dynamic dims (the batch, a sequence length). While tracing,
// the k-th dynamic dim stands in as a distinctive prime ("sentinel", 10007, 10009, ...), so every existing shape
// rule runs unchanged, and a size derived from it stays recognisable: 10007 is N, 20014 is 2*N, 10006 is N-1,
// 10007*10009 is N*T. At run time each integer an attribute holds (a reshape's target, a fill shape, a count
// divided by in a gradient rule) is rewritten from the sentinels to the bound sizes. trace() checks the rewrite:
// it traces twice with different sentinels and requires the rewritten first graph to equal the second, so an
// attribute that depends on a dynamic dim in another way is an error at trace time, not wrong numbers later.
#include <span>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::graph {

/// The sentinel of the k-th dynamic dim in trace number `round` (0 or 1): distinct primes >= 10007.
int64_t sentinel_for(size_t k, int round = 0);

/// Sizes bound to a graph's symbols, in symbol order; -1 while unbound.
using Bindings = std::vector<int64_t>;

/// `v` with its sentinel factors replaced by the bound sizes (`v` itself when it holds none).
int64_t resolve_int(std::span<const Symbol> symbols, const Bindings& sizes, int64_t v);
Shape resolve_shape(std::span<const Symbol> symbols, const Bindings& sizes, IntList shape);

/// Binds the symbols appearing in `traced` (a dim that is exactly a sentinel) from `actual`, then checks that
/// every dim matches. ShapeError naming `what`, the expected shape (with symbol names) and `actual`.
void bind_shape(std::span<const Symbol> symbols, IntList traced, IntList actual, Bindings& sizes,
                const std::string& what);

/// "[N, 1, 28, 28]", "[N*T, 64]", "[N-1]".
std::string symbolic_shape_str(std::span<const Symbol> symbols, IntList shape);

/// Bit k is set when a dim of `shape` involves symbol k.
uint32_t symbol_mask(std::span<const Symbol> symbols, IntList shape);
/// Bit k is set when an integer the attributes hold involves symbol k.
uint32_t symbol_mask(std::span<const Symbol> symbols, const Attrs& attrs);

/// True when any integer the attributes hold involves a sentinel (such attributes are rewritten per run).
bool attrs_depend_on_symbols(std::span<const Symbol> symbols, const Attrs& attrs);
/// A copy of `attrs` with its integers resolved for `sizes`; `attrs` itself when nothing changes.
std::shared_ptr<const Attrs> resolve_attrs(std::span<const Symbol> symbols, const Bindings& sizes,
                                           const std::shared_ptr<const Attrs>& attrs);

}  // namespace tessera::graph
