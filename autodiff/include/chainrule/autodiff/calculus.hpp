#pragma once
/// @file
/// Jacobians, Hessians and their products, computed by reverse-mode sweeps.
///
/// Each function records `f` once on a private tape (so it never disturbs the caller's
/// tape) and then sweeps backwards over that one recording. Costs, for x with n entries and
/// f(x) with m entries, in units of one evaluation of f (a reverse sweep costs a small
/// constant times that):
///   - jacobian: 1 forward + m reverse sweeps          → (m, n)
///   - jacobian with k inputs: 1 forward + m reverse sweeps (each yields a row of every
///     input's Jacobian)
///   - hessian:  1 forward + 1 recorded sweep + n sweeps over it → (n, n)
///   - hvp:      1 forward + 1 recorded sweep + 1 sweep over it  (H·u, no H formed)
///   - jvp:      1 forward + 1 recorded sweep + 1 sweep over it  (J·u, no J formed)
/// A "recorded sweep" records the backward pass on the tape (`create_graph`), so it and
/// the sweeps over it cost a few evaluations of f each. Newton–Raphson, Taylor models and
/// Lagrange multipliers, built on these, are in solvers.hpp.

#include <functional>
#include <vector>

#include "chainrule/autodiff/check.hpp"
#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

/// ∂f/∂x at x, shape (f(x).size(), x.size()); row i is the gradient of output element i
/// (elements in row-major order, for tensors of any shape).
CHAINRULE_AUTODIFF_EXPORT Tensor jacobian(const Function1& f, const Tensor& x);
/// One Jacobian per input of a function of several inputs, each (f.size(), inputs[i].size()).
CHAINRULE_AUTODIFF_EXPORT std::vector<Tensor> jacobian(const FunctionN& f,
                                                       const std::vector<Tensor>& inputs);
/// ∂²g/∂x² at x for a one-element g, shape (x.size(), x.size()), symmetric.
CHAINRULE_AUTODIFF_EXPORT Tensor hessian(const Function1& g, const Tensor& x);
/// Hessian of a one-element g times u (u shaped like x), without forming the Hessian.
CHAINRULE_AUTODIFF_EXPORT Tensor hvp(const Function1& g, const Tensor& x, const Tensor& u);
/// Jacobian of f times u (u shaped like x), shaped like f(x), without forming the Jacobian.
CHAINRULE_AUTODIFF_EXPORT Tensor jvp(const Function1& f, const Tensor& x, const Tensor& u);

}  // namespace chainrule::ad
