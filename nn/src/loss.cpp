// Losses composed from chainrule operations.

#include "chainrule/nn/loss.hpp"

#include <algorithm>

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/ops.hpp"
#include "chainrule/autodiff/tape.hpp"

namespace chainrule::nn {
namespace {

void require_same_shape(const ad::Var& a, const ad::Var& y, const char* op) {
  const auto& sa = a.value().shape();
  const auto& sy = y.value().shape();
  if (!std::equal(sa.begin(), sa.end(), sy.begin(), sy.end())) {
    throw ad::ShapeError(std::string("chainrule: ") + op + ": prediction of shape " +
                         ad::to_string(a.shape()) + " and target of shape " +
                         ad::to_string(y.shape()) + " differ");
  }
}

// The number of examples: columns of a matrix, 1 otherwise.
double examples(const ad::Var& a) {
  const auto& shape = a.value().shape();
  return shape.size() == 2 ? static_cast<double>(shape[1]) : 1.0;
}

// A constant on the tape of `like` (which need not be the current tape). The engine copies
// a const reference into a reused buffer, so a training loop allocates nothing here.
ad::Var constant_like(const ad::Var& like, const ad::Tensor& value) {
  ad::TapeScope scope(like.tape());
  return ad::constant(value);
}

ad::Var constant_like(const ad::Var& like, ad::Tensor&& value) {
  ad::TapeScope scope(like.tape());
  return ad::constant(std::move(value));
}

void require_logits(const ad::Var& z, const char* op) {
  if (z.dimension() != 1 && z.dimension() != 2) {
    throw ad::ShapeError(std::string("chainrule: ") + op +
                         ": logits must be (classes × batch) or (classes), got shape " +
                         ad::to_string(z.shape()));
  }
  if (z.shape()[0] == 0) {
    throw ad::ShapeError(std::string("chainrule: ") + op + ": no classes in logits of shape " +
                         ad::to_string(z.shape()));
  }
}

}  // namespace

ad::Var squared_error_cost(const ad::Var& a, const ad::Var& y) {
  require_same_shape(a, y, "squared_error_cost");
  return ad::sum(ad::square(a - y)) / examples(a);
}

ad::Var squared_error_cost(const ad::Var& a, const ad::Tensor& y) {
  return squared_error_cost(a, constant_like(a, y));
}

ad::Var mse(const ad::Var& a, const ad::Var& y) {
  require_same_shape(a, y, "mse");
  if (a.size() == 0) throw ad::ShapeError("chainrule: mse: empty prediction");
  return ad::sum(ad::square(a - y)) / static_cast<double>(a.size());
}

ad::Var mse(const ad::Var& a, const ad::Tensor& y) { return mse(a, constant_like(a, y)); }

ad::Var log_softmax(const ad::Var& z) {
  require_logits(z, "log_softmax");
  return ad::log_softmax(z, 0);
}

ad::Var softmax(const ad::Var& z) {
  require_logits(z, "softmax");
  return ad::softmax(z, 0);
}

ad::Var softmax_cross_entropy(const ad::Var& logits, const ad::Var& targets) {
  require_logits(logits, "softmax_cross_entropy");
  require_same_shape(logits, targets, "softmax_cross_entropy");
  return -ad::sum(targets * log_softmax(logits)) / examples(logits);
}

ad::Var softmax_cross_entropy(const ad::Var& logits, const ad::Tensor& targets) {
  return softmax_cross_entropy(logits, constant_like(logits, targets));
}

ad::Var softmax_cross_entropy(const ad::Var& logits, const std::vector<std::size_t>& labels) {
  require_logits(logits, "softmax_cross_entropy");
  const ad::Shape shape = logits.shape();
  const std::size_t classes = shape[0];
  const std::size_t batch = shape.size() == 2 ? shape[1] : 1;
  if (labels.size() != batch) {
    throw ad::ShapeError("chainrule: softmax_cross_entropy: " + std::to_string(labels.size()) +
                         " labels for logits of shape " + ad::to_string(shape) + " (" +
                         std::to_string(batch) + " columns)");
  }
  ad::Tensor onehot = xt::zeros<double>(shape);
  for (std::size_t j = 0; j < batch; ++j) {
    if (labels[j] >= classes) {
      throw ad::Error("chainrule: softmax_cross_entropy: label " + std::to_string(labels[j]) +
                      " of column " + std::to_string(j) + " is out of range for " +
                      std::to_string(classes) + " classes");
    }
    onehot.data()[labels[j] * batch + j] = 1.0;
  }
  return softmax_cross_entropy(logits, constant_like(logits, std::move(onehot)));
}

}  // namespace chainrule::nn
