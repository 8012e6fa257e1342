#pragma once
/// @file
/// Losses, composed from chainrule operations (so their second derivatives are exact too).
///
/// Examples are columns: predictions and targets are (features × batch) and N, the batch
/// size, is the number of columns (a 1-D or 0-D input counts as one example). Prediction and
/// target shapes must be equal — no silent broadcasting; ShapeError names both shapes.
/// Each loss returns a one-element Var. Targets given as a Tensor are recorded as constants.

#include <cstddef>
#include <vector>

#include "chainrule/autodiff/var.hpp"

namespace chainrule::nn {

namespace ad = chainrule::ad;

/// The assignment's cost C = ‖a − y‖² / N = Σ (a − y)² / N, N = number of columns.
ad::Var squared_error_cost(const ad::Var& a, const ad::Var& y);
ad::Var squared_error_cost(const ad::Var& a, const ad::Tensor& y);

/// Mean squared error: Σ (a − y)² / (number of elements).
ad::Var mse(const ad::Var& a, const ad::Var& y);
ad::Var mse(const ad::Var& a, const ad::Tensor& y);

/// log softmax over the classes (axis 0) of logits z (classes × batch), computed as
/// (z − m) − log Σ exp(z − m) with m the column maximum (a constant: the identity holds for
/// any m, so derivatives of every order are exact and nothing overflows).
ad::Var log_softmax(const ad::Var& z);
/// exp(log_softmax(z)): each column sums to 1.
ad::Var softmax(const ad::Var& z);

/// Softmax cross-entropy −Σ t ⊙ log_softmax(z) / N for logits z and target probabilities t
/// (classes × batch, e.g. one-hot columns).
ad::Var softmax_cross_entropy(const ad::Var& logits, const ad::Var& targets);
ad::Var softmax_cross_entropy(const ad::Var& logits, const ad::Tensor& targets);
/// The same with one class index per column; ad::Error naming the column for an index out of
/// range, ShapeError if the count differs from the batch size.
ad::Var softmax_cross_entropy(const ad::Var& logits, const std::vector<std::size_t>& labels);

}  // namespace chainrule::nn
