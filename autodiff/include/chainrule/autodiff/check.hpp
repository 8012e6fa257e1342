#pragma once
/// @file
/// Gradient checks against central finite differences (public, like torch's gradcheck).

#include <functional>
#include <string>
#include <vector>

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

/// Step and tolerances of the finite-difference checks.
struct GradcheckOptions {
  double eps = 1e-6;   ///< finite-difference step
  double rtol = 1e-5;  ///< relative tolerance, against the finite-difference value
  double atol = 1e-6;  ///< absolute tolerance
};

/// What a check found: `ok`, and when not, which entry disagreed most and by how much.
struct GradcheckReport {
  bool ok = true;              ///< every entry within tolerance
  double max_abs_error = 0.0;  ///< largest |analytic − finite difference| over the entries
  std::string message;         ///< empty when ok; otherwise names input, entry, both values
};

/// A function of one Var, as `jacobian`, `hessian` and the solvers take it.
using Function1 = std::function<Var(const Var&)>;
/// A function of several Vars (one per input tensor).
using FunctionN = std::function<Var(const std::vector<Var>&)>;

/// Compares the full Jacobian of f (one reverse sweep per output element) with central
/// differences, at the given inputs. Each call records on a private tape.
CHAINRULE_AUTODIFF_EXPORT GradcheckReport gradcheck_report(const FunctionN& f,
                                                           const std::vector<Tensor>& inputs,
                                                           const GradcheckOptions& options = {});
/// Second order: first, the `create_graph` gradient of ⟨u, f⟩ against the ordinary one; then
/// the gradient of h = ⟨∇⟨u, f⟩, v⟩ (u, v fixed and random, seeded), taken through a second
/// sweep over the recorded first, against central differences of h.
CHAINRULE_AUTODIFF_EXPORT GradcheckReport gradgradcheck_report(
    const FunctionN& f, const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

/// True when f's Jacobian matches finite differences at every point given.
/// @snippet autodiff_examples.cpp gradcheck
CHAINRULE_AUTODIFF_EXPORT bool gradcheck(const Function1& f, const std::vector<Tensor>& points,
                                         const GradcheckOptions& options = {});
/// True when f's Jacobian in each of its inputs matches finite differences.
CHAINRULE_AUTODIFF_EXPORT bool gradcheck(const FunctionN& f, const std::vector<Tensor>& inputs,
                                         const GradcheckOptions& options = {});
/// True when f's second derivatives, taken through `create_graph`, match finite differences
/// of its gradient (see gradgradcheck_report).
CHAINRULE_AUTODIFF_EXPORT bool gradgradcheck(const FunctionN& f, const std::vector<Tensor>& inputs,
                                             const GradcheckOptions& options = {});

}  // namespace chainrule::ad
