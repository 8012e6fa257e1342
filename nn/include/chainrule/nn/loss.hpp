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
#include "chainrule/nn/export.hpp"

namespace chainrule::nn {

namespace ad = chainrule::ad;

/// The assignment's cost C = ‖a − y‖² / N = Σ (a − y)² / N, N = number of columns.
/// @snippet nn_optim_examples.cpp losses
CHAINRULE_NN_EXPORT ad::Var squared_error_cost(const ad::Var& a, const ad::Var& y);
/// The same with a constant target.
CHAINRULE_NN_EXPORT ad::Var squared_error_cost(const ad::Var& a, const ad::Tensor& y);

/// Mean squared error: Σ (a − y)² / (number of elements).
CHAINRULE_NN_EXPORT ad::Var mse(const ad::Var& a, const ad::Var& y);
/// The same with a constant target.
CHAINRULE_NN_EXPORT ad::Var mse(const ad::Var& a, const ad::Tensor& y);

/// log softmax over the classes (axis 0) of logits z (classes × batch, or classes):
/// `ad::log_softmax(z, 0)` after checking z is such a matrix or vector.
CHAINRULE_NN_EXPORT ad::Var log_softmax(const ad::Var& z);
/// `ad::softmax(z, 0)` for logits z (classes × batch, or classes): each column sums to 1.
CHAINRULE_NN_EXPORT ad::Var softmax(const ad::Var& z);

/// Softmax cross-entropy −Σ t ⊙ log_softmax(z) / N for logits z and target probabilities t
/// (classes × batch, e.g. one-hot columns).
CHAINRULE_NN_EXPORT ad::Var softmax_cross_entropy(const ad::Var& logits, const ad::Var& targets);
/// The same with constant target probabilities.
CHAINRULE_NN_EXPORT ad::Var softmax_cross_entropy(const ad::Var& logits, const ad::Tensor& targets);
/// The same with one class index per column; ad::Error naming the column for an index out of
/// range, ShapeError if the count differs from the batch size.
CHAINRULE_NN_EXPORT ad::Var softmax_cross_entropy(const ad::Var& logits,
                                                  const std::vector<std::size_t>& labels);

}  // namespace chainrule::nn
