#pragma once
// Internal: matmul for operands of rank ≥ 2 with at least one of rank ≥ 3 (ops_products.cpp);
// ops_linalg.cpp's matmul dispatches to it after reshaping 1-D operands.

#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad::detail {

/// A stack of matrix products: (..., m, k) · (..., k, n) → (..., m, n), the batch dimensions
/// broadcast like numpy's. Both operands have rank ≥ 2; shapes are checked here.
Var batched_matmul(const Var& a, const Var& b);

}  // namespace chainrule::ad::detail
