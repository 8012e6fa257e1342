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
///
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
/// @snippet autodiff_examples.cpp jacobian
CHAINRULE_AUTODIFF_EXPORT Tensor jacobian(const Function1& f, const Tensor& x);
/// One Jacobian per input of a function of several inputs, each (f.size(), inputs[i].size()).
CHAINRULE_AUTODIFF_EXPORT std::vector<Tensor> jacobian(const FunctionN& f,
                                                       const std::vector<Tensor>& inputs);
/// ∂²g/∂x² at x for a one-element g, shape (x.size(), x.size()), symmetric.
/// @snippet autodiff_examples.cpp hessian
CHAINRULE_AUTODIFF_EXPORT Tensor hessian(const Function1& g, const Tensor& x);
/// Hessian of a one-element g times u (u shaped like x), without forming the Hessian.
/// @snippet autodiff_examples.cpp hvp
CHAINRULE_AUTODIFF_EXPORT Tensor hvp(const Function1& g, const Tensor& x, const Tensor& u);
/// Jacobian of f times u (u shaped like x), shaped like f(x), without forming the Jacobian.
/// @snippet autodiff_examples.cpp jvp
CHAINRULE_AUTODIFF_EXPORT Tensor jvp(const Function1& f, const Tensor& x, const Tensor& u);

/// The Hessian of a one-element g of several inputs, as blocks: `blocks[i][j]` is
/// ∂²g/∂x_i∂x_j, shape (inputs[i].size(), inputs[j].size()), and `blocks[j][i]` its transpose.
/// @code
/// // g(a, b) = a²·b: blocks {{2b, 2a}, {2a, 0}}
/// auto h = ad::hessian([](const std::vector<ad::Var>& v) { return ad::sum(v[0] * v[0] * v[1]); },
///                      {ad::Tensor{3.0}, ad::Tensor{2.0}});  // h[0][1] == {{6.0}}
/// @endcode
CHAINRULE_AUTODIFF_EXPORT std::vector<std::vector<Tensor>> hessian(
    const FunctionN& g, const std::vector<Tensor>& inputs);
/// The Hessian of a one-element g of several inputs times the direction (u_0, u_1, …), one
/// tensor per input: result i is Σ_j ∂²g/∂x_i∂x_j · u_j, shaped like inputs[i]. No Hessian is
/// formed: one recorded sweep and one sweep over it.
CHAINRULE_AUTODIFF_EXPORT std::vector<Tensor> hvp(const FunctionN& g,
                                                  const std::vector<Tensor>& inputs,
                                                  const std::vector<Tensor>& directions);
/// The Jacobian of f of several inputs times the direction (u_0, u_1, …): Σ_i ∂f/∂x_i · u_i,
/// shaped like f's result (a directional derivative, forward mode by two reverse sweeps).
CHAINRULE_AUTODIFF_EXPORT Tensor jvp(const FunctionN& f, const std::vector<Tensor>& inputs,
                                     const std::vector<Tensor>& directions);

}  // namespace chainrule::ad
