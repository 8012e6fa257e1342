#pragma once
// Internal: the two primitives behind every operation that moves elements around (permute,
// flip, tile, take, pad, strided slices): gather and its adjoint scatter-add, each driven by
// an index map of flat row-major positions. Each is the other's backward rule, so these
// operations are differentiable to any order through two rules.

#include <cstddef>

#include "chainrule/autodiff/tensor.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad::detail {

/// Flat positions, stored as doubles (exact below 2⁵³ elements) so a map is an ordinary
/// tensor a node can keep.
using IndexMap = Tensor;

/// out.flat[j] = x.flat[map[j]], `out` of `shape` (map has one entry per output element).
Var gather(const Var& x, IndexMap map, const Shape& shape);

/// out = zeros(shape); out.flat[map[i]] += x.flat[i] (map has one entry per element of x;
/// repeated targets add up).
Var scatter_add(const Var& x, IndexMap map, const Shape& shape);

/// Every `step`-th element of [begin, end) along `axis` (all checked by the caller).
Var strided_slice(const Var& x, std::size_t axis, std::size_t begin, std::size_t end,
                  std::size_t step);

}  // namespace chainrule::ad::detail
