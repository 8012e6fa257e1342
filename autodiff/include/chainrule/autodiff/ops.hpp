#pragma once
/// @file
/// Differentiable operations on Vars. Binary elementwise operations broadcast like numpy;
/// the gradient of a broadcast operand is summed back to its shape. Every backward rule is
/// written with these same operations, so derivatives of any order are exact.

#include <cstddef>
#include <vector>

#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

// --- arithmetic (numpy broadcasting) -------------------------------------------------------
Var operator+(const Var& a, const Var& b);
Var operator-(const Var& a, const Var& b);
Var operator*(const Var& a, const Var& b);
Var operator/(const Var& a, const Var& b);
Var operator-(const Var& a);
Var operator+(const Var& a, double b);
Var operator+(double a, const Var& b);
Var operator-(const Var& a, double b);
Var operator-(double a, const Var& b);
Var operator*(const Var& a, double b);
Var operator*(double a, const Var& b);
Var operator/(const Var& a, double b);
Var operator/(double a, const Var& b);

/// `scale·x + shift`, elementwise: the one rule behind every Var∘double operator.
Var affine(const Var& x, double scale, double shift);

// --- elementwise functions ------------------------------------------------------------------
Var exp(const Var& x);
Var log(const Var& x);
Var sqrt(const Var& x);
Var square(const Var& x);
Var pow(const Var& x, double exponent);
Var pow(const Var& base, const Var& exponent);
Var abs(const Var& x);
Var sin(const Var& x);
Var cos(const Var& x);
Var tanh(const Var& x);
/// 1 / (1 + e⁻ˣ), finite for every finite x.
Var sigmoid(const Var& x);
Var relu(const Var& x);
/// log(1 + eˣ), computed without overflow.
Var softplus(const Var& x);
Var maximum(const Var& a, const Var& b);
Var minimum(const Var& a, const Var& b);
/// `condition ≠ 0 ? a : b`, elementwise with broadcasting; no gradient flows to `condition`.
Var where(const Tensor& condition, const Var& a, const Var& b);
Var where(const Var& condition, const Var& a, const Var& b);
/// x limited to [lo, hi]; the gradient is 1 inside, 0 where clipped.
Var clip(const Var& x, double lo, double hi);
/// Elementwise sign (−1, 0, 1) as a constant: its derivative is zero almost everywhere.
Var sign(const Var& x);

// --- linear algebra -------------------------------------------------------------------------
/// Matrix product: matrix·matrix, matrix·vector, vector·matrix or vector·vector (numpy's
/// `matmul` for 1-D and 2-D operands), through BLAS.
Var matmul(const Var& a, const Var& b);
/// Axes reversed (numpy's `.T`): the matrix transpose for 2-D.
Var transpose(const Var& x);

// --- shape ----------------------------------------------------------------------------------
/// Same elements, new shape (row-major order); sizes must agree.
Var reshape(const Var& x, const Shape& shape);
/// x repeated along broadcast dimensions to `shape` (numpy's broadcast_to).
Var broadcast_to(const Var& x, const Shape& shape);
/// The sum of x over the dimensions that broadcasting would have added to reach x's shape
/// from `shape`: the inverse of broadcast_to, used for broadcast gradients.
Var sum_to(const Var& x, const Shape& shape);
/// Elements [begin, end) along `axis`.
Var slice(const Var& x, std::size_t axis, std::size_t begin, std::size_t end);
/// Rows [begin, end) of a matrix (axis 0).
Var rows(const Var& x, std::size_t begin, std::size_t end);
/// Columns [begin, end) of a matrix (axis 1).
Var cols(const Var& x, std::size_t begin, std::size_t end);
/// Joins Vars along `axis`; other extents must agree.
Var concatenate(const std::vector<Var>& parts, std::size_t axis = 0);

// --- reductions -----------------------------------------------------------------------------
/// Sum of all elements (a 0-d Var).
Var sum(const Var& x);
/// Sum along `axis`; `keepdims` keeps it with extent 1.
Var sum(const Var& x, std::size_t axis, bool keepdims = false);
Var mean(const Var& x);
Var mean(const Var& x, std::size_t axis, bool keepdims = false);

}  // namespace chainrule::ad
