#pragma once
/// @file
/// Differentiable operations on Vars. Binary elementwise operations broadcast like numpy;
/// the gradient of a broadcast operand is summed back to its shape. Every backward rule is
/// written with these same operations, so derivatives of any order are exact.

#include <cstddef>
#include <utility>
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
/// Matrix product, numpy's `matmul`: matrix·matrix, matrix·vector, vector·matrix,
/// vector·vector, and for operands of rank ≥ 3 a stack of matrix products over the leading
/// (batch) dimensions, which broadcast like numpy's. Through BLAS.
/// @code
///   matmul(a, b)  // (2, 1, m, k) · (3, k, n) -> (2, 3, m, n)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var matmul(const Var& a, const Var& b);
/// W·x + b, a network layer's pre-activation, recorded as one operation (BLAS's gemm, then the
/// bias added in place): the product W·x is not kept apart, which a training step's memory
/// and time notice at large widths. `b` broadcasts to the product's shape (a column (m, 1)
/// for a batch of columns x (k, n)), never beyond it. Same values and gradients as
/// `matmul(W, x) + b`, which it records for operands other than two matrices.
/// @code
///   linear(W, a, b)  // (m, k) · (k, n) + (m, 1) -> (m, n)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var linear(const Var& W, const Var& x, const Var& b);
/// The inner product of two vectors of one length (a 0-d Var).
/// @code
///   dot(u, v)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var dot(const Var& a, const Var& b);
/// The outer product of two vectors: (n) and (m) -> (n, m).
/// @code
///   outer(u, v)  // u vᵀ
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var outer(const Var& a, const Var& b);
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
/// Elements [begin, end) along `axis`, every `step`-th one (numpy's `x[..., begin:end:step]`).
/// Negative axis and bounds count from the end; a range outside the axis is a ShapeError
/// (no clamping), and so is a step below 1 (`flip` reverses an axis).
/// @code
///   slice(x, -1, 0, 6, 2)  // x[..., 0:6:2]: elements 0, 2, 4 of the last axis
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var slice(const Var& x, std::ptrdiff_t axis, std::ptrdiff_t begin,
                                    std::ptrdiff_t end, std::ptrdiff_t step = 1);
/// Rows [begin, end) of a matrix (axis 0).
CHAINRULE_AUTODIFF_EXPORT Var rows(const Var& x, std::ptrdiff_t begin, std::ptrdiff_t end);
/// Columns [begin, end) of a matrix (axis 1).
CHAINRULE_AUTODIFF_EXPORT Var cols(const Var& x, std::ptrdiff_t begin, std::ptrdiff_t end);
/// Joins Vars along `axis` (negative counts from the end); other extents must agree.
CHAINRULE_AUTODIFF_EXPORT Var concatenate(const std::vector<Var>& parts, std::ptrdiff_t axis = 0);

// --- shape: moving elements (forward and backward through one gather/scatter pair) ------
/// x with its axes reordered: axis d of the result is axis `axes[d]` of x (numpy's
/// `transpose(x, axes)`); negative axes count from the end.
/// @code
///   permute(x, {0, 2, 1})  // (b, m, n) -> (b, n, m)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var permute(const Var& x, const std::vector<std::ptrdiff_t>& axes);
/// x reversed along `axis`.
/// @code
///   flip(x, -1)  // x[..., ::-1]
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var flip(const Var& x, std::ptrdiff_t axis);
/// x repeated `reps[d]` times along axis d (numpy's `tile`: the shorter of shape and reps
/// gets leading 1s). The gradient sums over the copies.
/// @code
///   tile(x, {2, 3})  // (n, m) -> (2n, 3m)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var tile(const Var& x, const std::vector<std::size_t>& reps);
/// x surrounded by `value`: `widths[d]` = (before, after) elements along axis d, one pair per
/// axis (numpy's `pad(x, widths, constant_values=value)`).
/// @code
///   pad(x, {{1, 1}, {0, 2}}, 0.0)  // (n, m) -> (n + 2, m + 2)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var pad(const Var& x,
                                  const std::vector<std::pair<std::size_t, std::size_t>>& widths,
                                  double value = 0.0);
/// The elements at `indices` along `axis` (numpy's `take`): the result has extent
/// `indices.size()` there. Indices may repeat (the gradient adds into a repeated position)
/// and count from the end when negative; one out of range is a ShapeError.
/// @code
///   take(x, {2, 0, 2}, 0)  // rows 2, 0 and 2 of a matrix
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var take(const Var& x, const std::vector<std::ptrdiff_t>& indices,
                                   std::ptrdiff_t axis);
/// x without `axis`, which must have extent 1.
/// @code
///   squeeze(x, 1)  // (n, 1) -> (n)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var squeeze(const Var& x, std::ptrdiff_t axis);
/// x with a new axis of extent 1 at position `axis` (−1: last, as numpy's `expand_dims`).
/// @code
///   unsqueeze(x, 0)  // (n) -> (1, n)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var unsqueeze(const Var& x, std::ptrdiff_t axis);
/// Vars of one shape joined along a new axis at position `axis`.
/// @code
///   stack({a, b, c}, 0)  // three (n) -> (3, n)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var stack(const std::vector<Var>& parts, std::ptrdiff_t axis = 0);

// --- reductions -----------------------------------------------------------------------------
/// Sum of all elements (a 0-d Var).
CHAINRULE_AUTODIFF_EXPORT Var sum(const Var& x);
/// Sum along `axis` (negative counts from the end); `keepdims` keeps it with extent 1.
CHAINRULE_AUTODIFF_EXPORT Var sum(const Var& x, std::ptrdiff_t axis, bool keepdims = false);
/// Mean of all elements (a 0-d Var).
CHAINRULE_AUTODIFF_EXPORT Var mean(const Var& x);
/// Mean along `axis` (negative counts from the end); `keepdims` keeps it with extent 1.
CHAINRULE_AUTODIFF_EXPORT Var mean(const Var& x, std::ptrdiff_t axis, bool keepdims = false);

// --- more reductions (axis: negative counts from the end) -----------------------------------
/// log Σ exp(x) over all elements, computed without overflow (shifted by the maximum).
/// @code
///   logsumexp(x) - x  // −log softmax(x)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var logsumexp(const Var& x);
/// log Σ exp(x) along `axis`; the gradient is softmax(x) along it.
/// @code
///   logsumexp(logits, 0)  // one value per column
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var logsumexp(const Var& x, std::ptrdiff_t axis, bool keepdims = false);
/// The largest element (a 0-d Var). The gradient goes to the element that attains it; ties
/// share it equally (k tied elements get 1/k each). A NaN element makes the maximum NaN and
/// takes the gradient. An empty x is a ShapeError.
/// @code
///   max(x) - min(x)  // the range of x
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var max(const Var& x);
/// The largest element along `axis` (ties share the gradient equally).
/// @code
///   max(scores, -1, true)  // (b, n) -> (b, 1)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var max(const Var& x, std::ptrdiff_t axis, bool keepdims = false);
/// The smallest element (a 0-d Var); ties share the gradient equally, as for `max`.
/// @code
///   min(x)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var min(const Var& x);
/// The smallest element along `axis` (ties share the gradient equally).
/// @code
///   min(x, 0)  // one value per column
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var min(const Var& x, std::ptrdiff_t axis, bool keepdims = false);
/// Position of the largest element along `axis` (the first one at ties, NaN counts as
/// largest), as a Tensor of integer values without that axis. Not differentiable.
/// @code
///   const Tensor predicted = argmax(probabilities, 0);  // class per column
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Tensor argmax(const Var& x, std::ptrdiff_t axis);
/// Position of the smallest element along `axis` (the first one at ties). Not differentiable.
/// @code
///   const Tensor nearest = argmin(distances, 1);
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Tensor argmin(const Var& x, std::ptrdiff_t axis);
/// Product of all elements (a 0-d Var; 1 for an empty x). The gradient is exact with zeros
/// among the elements (one zero: only it gets a nonzero gradient; several: all get 0).
/// @code
///   prod(x)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var prod(const Var& x);
/// Product along `axis` (pairwise, so the gradient is exact with zeros).
/// @code
///   prod(x, 1)  // one product per row
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var prod(const Var& x, std::ptrdiff_t axis, bool keepdims = false);
/// Running sums along `axis` (same shape as x).
/// @code
///   cumsum(x, -1)  // [1, 2, 3] -> [1, 3, 6]
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var cumsum(const Var& x, std::ptrdiff_t axis);
/// The 2-norm of all elements, √Σx², computed without overflow. At x = 0 the gradient is 0
/// (a subgradient), not NaN.
/// @code
///   norm(w) * 1e-3  // a regulariser
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var norm(const Var& x);
/// Population variance of all elements (a 0-d Var): mean((x − mean(x))²).
/// @code
///   variance(x)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var variance(const Var& x);
/// Variance along `axis`: Σ(x − mean)² / (n − ddof). ddof = 1 gives the sample variance;
/// n − ddof ≤ 0 is a ShapeError.
/// @code
///   variance(x, 0, false, 1)  // sample variance of each column
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var variance(const Var& x, std::ptrdiff_t axis, bool keepdims = false,
                                       std::ptrdiff_t ddof = 0);
/// Standard deviation of all elements, √variance(x); where the variance is 0 (all elements
/// equal) the gradient is 0 rather than NaN.
/// @code
///   (x - mean(x)) / stddev(x)  // standardised
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var stddev(const Var& x);
/// Standard deviation along `axis`, √variance(x, axis, keepdims, ddof) (gradient 0 where the
/// variance is 0).
/// @code
///   stddev(x, 1, true, 1)  // sample standard deviation of each row, kept as a column
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var stddev(const Var& x, std::ptrdiff_t axis, bool keepdims = false,
                                     std::ptrdiff_t ddof = 0);

}  // namespace chainrule::ad
