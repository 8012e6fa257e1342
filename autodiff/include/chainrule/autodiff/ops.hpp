#pragma once
/// @file
/// Differentiable operations on Vars. Binary elementwise operations broadcast like numpy;
/// the gradient of a broadcast operand is summed back to its shape. Every backward rule is
/// written with these same operations, so derivatives of any order are exact.

#include <cstddef>
#include <vector>

#include "chainrule/autodiff/activations.hpp"  // leaky_relu, elu, gelu, ..., softmax
#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/math.hpp"  // trigonometric, hyperbolic, special functions
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

// --- arithmetic (numpy broadcasting) -------------------------------------------------------
CHAINRULE_AUTODIFF_EXPORT Var operator+(const Var& a, const Var& b);  ///< a + b
CHAINRULE_AUTODIFF_EXPORT Var operator-(const Var& a, const Var& b);  ///< a − b
/// a ⊙ b, elementwise (`matmul` is the matrix product).
CHAINRULE_AUTODIFF_EXPORT Var operator*(const Var& a, const Var& b);
CHAINRULE_AUTODIFF_EXPORT Var operator/(const Var& a, const Var& b);  ///< a / b, elementwise
CHAINRULE_AUTODIFF_EXPORT Var operator-(const Var& a);                ///< −a
CHAINRULE_AUTODIFF_EXPORT Var operator+(const Var& a, double b);      ///< a + b
CHAINRULE_AUTODIFF_EXPORT Var operator+(double a, const Var& b);      ///< a + b
CHAINRULE_AUTODIFF_EXPORT Var operator-(const Var& a, double b);      ///< a − b
CHAINRULE_AUTODIFF_EXPORT Var operator-(double a, const Var& b);      ///< a − b
CHAINRULE_AUTODIFF_EXPORT Var operator*(const Var& a, double b);      ///< a · b
CHAINRULE_AUTODIFF_EXPORT Var operator*(double a, const Var& b);      ///< a · b
CHAINRULE_AUTODIFF_EXPORT Var operator/(const Var& a, double b);      ///< a / b
CHAINRULE_AUTODIFF_EXPORT Var operator/(double a, const Var& b);      ///< a / b, elementwise

/// `scale·x + shift`, elementwise: the one rule behind every Var∘double operator.
CHAINRULE_AUTODIFF_EXPORT Var affine(const Var& x, double scale, double shift);

// --- elementwise functions ------------------------------------------------------------------
CHAINRULE_AUTODIFF_EXPORT Var exp(const Var& x);                   ///< eˣ
CHAINRULE_AUTODIFF_EXPORT Var log(const Var& x);                   ///< natural logarithm
CHAINRULE_AUTODIFF_EXPORT Var sqrt(const Var& x);                  ///< √x
CHAINRULE_AUTODIFF_EXPORT Var square(const Var& x);                ///< x²
CHAINRULE_AUTODIFF_EXPORT Var pow(const Var& x, double exponent);  ///< xᵖ for a constant exponent p
/// base^exponent, both differentiable (the exponent's gradient needs base > 0). At base 0
/// the gradients take their limits, as in PyTorch, at every order: ∂/∂base is 0 where the
/// exponent is 0, ∂/∂exponent is 0 where the exponent is ≥ 0.
/// @code
/// ad::Var y = ad::pow(x, p);  // ∂y/∂x = p·x^(p−1), ∂y/∂p = y·log x
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var pow(const Var& base, const Var& exponent);
CHAINRULE_AUTODIFF_EXPORT Var abs(const Var& x);   ///< |x| (gradient sign(x), 0 at 0)
CHAINRULE_AUTODIFF_EXPORT Var sin(const Var& x);   ///< sine
CHAINRULE_AUTODIFF_EXPORT Var cos(const Var& x);   ///< cosine
CHAINRULE_AUTODIFF_EXPORT Var tanh(const Var& x);  ///< hyperbolic tangent
/// 1 / (1 + e⁻ˣ), finite for every finite x. Its derivative is computed as σ(x)·σ(−x), which
/// keeps its digits for large x (so do softplus'' and the higher derivatives).
CHAINRULE_AUTODIFF_EXPORT Var sigmoid(const Var& x);
CHAINRULE_AUTODIFF_EXPORT Var relu(const Var& x);  ///< max(x, 0) (gradient 0 at 0)
/// log(1 + eˣ), computed without overflow.
CHAINRULE_AUTODIFF_EXPORT Var softplus(const Var& x);
/// Elementwise max with broadcasting. At ties (a = b) the whole gradient goes to `a` and none
/// to `b` (PyTorch splits it in halves): a subgradient either way, and `maximum(x, c)` with a
/// constant c passes the gradient through at x = c.
/// @code
/// ad::Var hinge = ad::maximum(1.0 - margin, zeros);  // ties: the gradient goes to 1 − margin
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var maximum(const Var& a, const Var& b);
/// Elementwise min with broadcasting. At ties (a = b) the whole gradient goes to `a` and none
/// to `b`, as for `maximum`.
/// @code
/// ad::Var capped = ad::minimum(x, limit);  // ties: the gradient goes to x
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var minimum(const Var& a, const Var& b);
/// `condition ≠ 0 ? a : b`, elementwise with broadcasting; no gradient flows to `condition`.
CHAINRULE_AUTODIFF_EXPORT Var where(const Tensor& condition, const Var& a, const Var& b);
/// The same with the condition a Var (only its value is used).
CHAINRULE_AUTODIFF_EXPORT Var where(const Var& condition, const Var& a, const Var& b);
/// x limited to [lo, hi]; the gradient is 1 inside, 0 where clipped.
CHAINRULE_AUTODIFF_EXPORT Var clip(const Var& x, double lo, double hi);
/// x limited to [lo, hi] with Var bounds, all three broadcasting together. The gradient goes
/// to x where lo ≤ x ≤ hi (ties included), to lo where x < lo, to hi where x > hi. Throws
/// Error where lo > hi (or a bound is NaN), naming both bounds.
/// @code
/// ad::Var y = ad::clip(x, lower, upper);  // e.g. lower, upper of shape (n, 1)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var clip(const Var& x, const Var& lo, const Var& hi);
/// Elementwise sign (−1, 0, 1) as a constant: its derivative is zero almost everywhere.
CHAINRULE_AUTODIFF_EXPORT Var sign(const Var& x);

// --- linear algebra -------------------------------------------------------------------------
/// Matrix product: matrix·matrix, matrix·vector, vector·matrix or vector·vector (numpy's
/// `matmul` for 1-D and 2-D operands), through BLAS.
CHAINRULE_AUTODIFF_EXPORT Var matmul(const Var& a, const Var& b);
/// Axes reversed (numpy's `.T`): the matrix transpose for 2-D.
CHAINRULE_AUTODIFF_EXPORT Var transpose(const Var& x);

// --- shape ----------------------------------------------------------------------------------
/// Same elements, new shape (row-major order); sizes must agree.
CHAINRULE_AUTODIFF_EXPORT Var reshape(const Var& x, const Shape& shape);
/// x repeated along broadcast dimensions to `shape` (numpy's broadcast_to).
CHAINRULE_AUTODIFF_EXPORT Var broadcast_to(const Var& x, const Shape& shape);
/// The sum of x over the dimensions that broadcasting would have added to reach x's shape
/// from `shape`: the inverse of broadcast_to, used for broadcast gradients.
CHAINRULE_AUTODIFF_EXPORT Var sum_to(const Var& x, const Shape& shape);
/// Elements [begin, end) along `axis`.
CHAINRULE_AUTODIFF_EXPORT Var slice(const Var& x, std::size_t axis, std::size_t begin,
                                    std::size_t end);
/// Rows [begin, end) of a matrix (axis 0).
CHAINRULE_AUTODIFF_EXPORT Var rows(const Var& x, std::size_t begin, std::size_t end);
/// Columns [begin, end) of a matrix (axis 1).
CHAINRULE_AUTODIFF_EXPORT Var cols(const Var& x, std::size_t begin, std::size_t end);
/// Joins Vars along `axis`; other extents must agree.
CHAINRULE_AUTODIFF_EXPORT Var concatenate(const std::vector<Var>& parts, std::size_t axis = 0);

// --- reductions -----------------------------------------------------------------------------
/// Sum of all elements (a 0-d Var).
CHAINRULE_AUTODIFF_EXPORT Var sum(const Var& x);
/// Sum along `axis`; `keepdims` keeps it with extent 1.
CHAINRULE_AUTODIFF_EXPORT Var sum(const Var& x, std::size_t axis, bool keepdims = false);
/// Mean of all elements (a 0-d Var).
CHAINRULE_AUTODIFF_EXPORT Var mean(const Var& x);
/// Mean along `axis`; `keepdims` keeps it with extent 1.
CHAINRULE_AUTODIFF_EXPORT Var mean(const Var& x, std::size_t axis, bool keepdims = false);

}  // namespace chainrule::ad
