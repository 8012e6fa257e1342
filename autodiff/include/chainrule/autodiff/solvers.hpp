#pragma once
/// @file
/// Solvers built on the derivatives chainrule computes: Newton–Raphson for roots, second-order
/// Taylor models, and Lagrange multipliers for equality-constrained stationary points.
///
/// Every function records `f` on private tapes (never the caller's). Costs per Newton
/// iteration, for n unknowns: one `ad::jacobian` (1 forward + n reverse sweeps) and one n×n
/// LAPACK solve.

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "chainrule/autodiff/check.hpp"
#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

// --- Newton–Raphson -----------------------------------------------------------------------

/// Stopping rules of `newton_raphson`.
struct NewtonOptions {
  std::size_t max_iterations = 50;  ///< Newton steps at most
  /// Converged when max|f(x)| ≤ tolerance ...
  double tolerance = 1e-12;
  /// ... or when the last step was tiny: max|Δx| ≤ step_tolerance · (1 + max|x|).
  double step_tolerance = 1e-14;
  /// Diverged when an iterate's max|x| exceeds this (checked before f's finiteness, so an
  /// iteration running off to where f overflows reports `diverged`).
  double divergence_threshold = 1e10;
  /// The Jacobian counts as singular when its smallest singular value is below this times
  /// its largest (or all are zero).
  double singular_tolerance = 1e-14;
};

/// How a Newton iteration ended.
enum class NewtonStatus {
  converged,          ///< |f| or the step fell below its tolerance
  max_iterations,     ///< the budget ran out first (e.g. an iteration that cycles)
  singular_jacobian,  ///< the Newton step is undefined: f'(x) = 0 or J(x) singular
  diverged,           ///< an iterate (after x0) left the ball of radius divergence_threshold
  non_finite,         ///< f(x), J(x) or the next iterate is NaN or infinite
};

/// "converged", "max_iterations", ...
CHAINRULE_AUTODIFF_EXPORT const char* to_string(NewtonStatus status);
/// Writes `to_string(status)`.
CHAINRULE_AUTODIFF_EXPORT std::ostream& operator<<(std::ostream& out, NewtonStatus status);

/// What `newton_raphson` found, and how.
struct NewtonResult {
  Tensor x;                    ///< last iterate (the root when converged), shaped like x0
  Tensor fx;                   ///< f(x); NaN when x itself is not finite
  std::size_t iterations = 0;  ///< Newton steps taken
  bool converged = false;      ///< status == converged
  NewtonStatus status = NewtonStatus::max_iterations;  ///< how the iteration ended
  std::string message;          ///< a sentence saying what happened and where
  std::vector<Tensor> history;  ///< x0, x1, ..., every iterate in order
};

/// Root of f: ℝⁿ → ℝⁿ (x0 of any shape; f(x) must have as many elements as x) by Newton's
/// method, x ← x − J(x)⁻¹ f(x), with J from `ad::jacobian` and the step from a LAPACK solve.
/// Never throws for a failing iteration (see `status`); throws ShapeError when f(x0) does
/// not have x0.size() elements.
/// To minimise a function instead, use optim::Newton (through optim::minimize).
/// @snippet autodiff_examples.cpp newton_raphson
CHAINRULE_AUTODIFF_EXPORT NewtonResult newton_raphson(const Function1& f, const Tensor& x0,
                                                      const NewtonOptions& options = {});
/// The scalar case: f: ℝ → ℝ from the number x0 (x and fx in the result are 0-d).
CHAINRULE_AUTODIFF_EXPORT NewtonResult newton_raphson(const Function1& f, double x0,
                                                      const NewtonOptions& options = {});

// --- Taylor models ----------------------------------------------------------------------

/// The Taylor polynomial of a one-element f around `point`, up to `order` (0, 1 or 2):
///   T(x) = f(a) + ∇f(a)·(x − a) + ½ (x − a)ᵀ H(a) (x − a).
struct CHAINRULE_AUTODIFF_EXPORT TaylorModel {
  Tensor point;        ///< a
  int order = 2;       ///< highest order computed
  double value = 0.0;  ///< f(a)
  Tensor gradient;     ///< ∇f(a), shaped like a (no elements below order 1)
  Tensor hessian;      ///< H(a), (a.size(), a.size()) (no elements below order 2)

  /// T(x) with all computed terms; x shaped like `point`.
  double operator()(const Tensor& x) const;
  /// T(x) for a one-element `point`.
  double operator()(double x) const;
  /// T(x) truncated at `order_used` ≤ order.
  double evaluate(const Tensor& x, int order_used) const;
  /// The same for a one-element `point`.
  double evaluate(double x, int order_used) const;
};

/// The Taylor model of f around `point`. Costs: order 0 one forward; order 1 adds one reverse
/// sweep; order 2 adds an `ad::hessian`. Throws ShapeError when f returns more than one element.
CHAINRULE_AUTODIFF_EXPORT TaylorModel taylor(const Function1& f, const Tensor& point,
                                             int order = 2);
/// The Taylor model of f: ℝ → ℝ around the number `point`.
CHAINRULE_AUTODIFF_EXPORT TaylorModel taylor(const Function1& f, double point, int order = 2);

// --- Lagrange multipliers ---------------------------------------------------------------

/// Start and iteration settings of `lagrange_multipliers`.
struct LagrangeOptions {
  /// Starting multipliers, one per constraint; empty means zeros.
  std::vector<double> lambda0{};
  NewtonOptions newton{};  ///< the Newton iteration on ∇L = 0
};

/// The stationary point `lagrange_multipliers` found, its multipliers and how it got there.
struct LagrangeResult {
  Tensor x;                ///< the stationary point, shaped like x0
  Tensor lambda;           ///< multipliers, one per constraint: ∇f = Σ λᵢ ∇gᵢ at x
  double value = 0.0;      ///< f(x)
  Tensor constraint;       ///< g(x), ≈ 0 when converged
  bool converged = false;  ///< status == converged
  NewtonStatus status = NewtonStatus::max_iterations;  ///< how the Newton iteration ended
  std::size_t iterations = 0;                          ///< Newton steps taken
  std::string message;                                 ///< a sentence saying what happened
};

/// A stationary point of a one-element f on {x : g(x) = 0} (g with m elements, m
/// constraints), near x0: Newton on ∇L = 0 for L(x, λ) = f(x) − λ·g(x), whose gradient is
/// built with `ad::grad(..., {.create_graph = true})` and differentiated by `ad::jacobian`.
/// Which stationary point (maximum, minimum or neither) depends on the start.
CHAINRULE_AUTODIFF_EXPORT LagrangeResult lagrange_multipliers(const Function1& f,
                                                              const Function1& g, const Tensor& x0,
                                                              const LagrangeOptions& options = {});

}  // namespace chainrule::ad
