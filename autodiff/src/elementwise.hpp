#pragma once
// Internal: what the elementwise operation files share — recording a unary or broadcasting
// binary operation through the plain loops of kernels.hpp, and helpers that have one name for
// tensors (lazy xtensor expressions, used by the tensor sweep) and for Vars (recorded, used by
// the graph sweep), so a backward rule is written once for both.

#include <algorithm>
#include <type_traits>
#include <utility>

#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "kernels.hpp"
#include "sweep.hpp"
#include "vector_math.hpp"

namespace chainrule::ad::detail {

/// A constant (no gradient) on the tape of `like`.
inline Var mask_constant(const Var& like, Tensor mask) {
  return record_constant(TapeImpl::of(like, "mask"), std::move(mask));
}

/// 1 where x > 0, else 0.
inline auto positive_mask(const Tensor& x) { return xt::cast<double>(x > 0.0); }
inline Var positive_mask(const Var& x) { return mask_constant(x, positive_mask(x.value())); }

/// σ(x) = 1 / (1 + e⁻ˣ), of a tensor or a lazy expression (held by value when a temporary).
template <class E, std::enable_if_t<xt::is_xexpression<std::decay_t<E>>::value, int> = 0>
auto logistic(E&& x) {
  return 1.0 / (1.0 + xt::exp(-std::forward<E>(x)));
}
inline Var logistic(const Var& x) { return sigmoid(x); }

/// Checks broadcast compatibility without allocating; the message names op and shapes.
inline void check_broadcast(const Tensor& a, const Tensor& b, const char* op) {
  const auto& sa = a.shape();
  const auto& sb = b.shape();
  const std::size_t n = std::min(sa.size(), sb.size());
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t da = sa[sa.size() - i];
    const std::size_t db = sb[sb.size() - i];
    if (da != db && da != 1 && db != 1) {
      broadcast_shapes(shape_of(a), shape_of(b), op);  // throws with the message
    }
  }
}

/// Records Rule on a and b (numpy broadcasting) with plain loops over the scalar `op`;
/// `compute` (an xtensor expression) only beyond the kernel's rank limit. `params`: the
/// rule's Params, for a rule that has them.
template <class Rule, class Compute, class Op, class... Params>
Var binary(const Var& a, const Var& b, Compute compute, Op op, const Params&... params) {
  const Tensor& av = value_of(a, Rule::name);
  const Tensor& bv = value_of(b, Rule::name);
  check_broadcast(av, bv, Rule::name);
  return record<Rule>({&a, &b}, params..., [&](Node& n) {
    if (!broadcast_binary(av, bv, n.value, op)) compute(av, bv, n.value);
  });
}

/// Records Rule on x, its value computed elementwise by the scalar `op`.
template <class Rule, class Op, class... Params>
Var unary(const Var& x, Op op, const Params&... params) {
  const Tensor& xv = value_of(x, Rule::name);
  return record<Rule>({&x}, params..., [&](Node& n) { map_unary(xv, n.value, op); });
}

/// Records Rule on x, its value computed by a vector kernel (exp, log, tanh, sigmoid).
template <class Rule>
Var unary_kernel(const Var& x, vector_math::Map kernel) {
  const Tensor& xv = value_of(x, Rule::name);
  return record<Rule>({&x}, [&](Node& n) {
    reshape_to(n.value, xv.shape());
    kernel(xv.data(), n.value.data(), xv.size());
  });
}

}  // namespace chainrule::ad::detail
