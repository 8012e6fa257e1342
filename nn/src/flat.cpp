// Parameters as one flat vector θ.

#include "chainrule/nn/flat.hpp"

#include <algorithm>

#include "chainrule/autodiff/ops.hpp"

namespace chainrule::nn {

std::size_t flat_size(const std::vector<Parameter>& params) {
  std::size_t n = 0;
  for (const Parameter& p : params) n += p.size();
  return n;
}

ad::Tensor flatten(const std::vector<Parameter>& params) {
  ad::Tensor theta = ad::Tensor::from_shape({flat_size(params)});
  double* out = theta.data();
  for (const Parameter& p : params) out = std::copy_n(p.value().data(), p.size(), out);
  return theta;
}

ad::Tensor flatten_grad(const std::vector<Parameter>& params) {
  ad::Tensor g = ad::Tensor::from_shape({flat_size(params)});
  double* out = g.data();
  for (const Parameter& p : params) out = std::copy_n(p.grad().data(), p.size(), out);
  return g;
}

void unflatten(const ad::Tensor& theta, const std::vector<Parameter>& params) {
  const std::size_t n = flat_size(params);
  if (theta.size() != n) {
    throw ad::ShapeError("chainrule: unflatten: θ has " + std::to_string(theta.size()) +
                         " elements, the parameters have " + std::to_string(n));
  }
  const double* in = theta.data();
  for (Parameter p : params) {
    std::copy_n(in, p.size(), p.value().data());
    in += p.size();
  }
}

std::function<ad::Var(const ad::Var&)> flat_function(std::vector<Parameter> params,
                                                     std::function<ad::Var()> body) {
  return [params = std::move(params), body = std::move(body)](const ad::Var& theta) {
    const std::size_t n = flat_size(params);
    if (theta.size() != n) {
      throw ad::ShapeError("chainrule: flat_function: θ of shape " + ad::to_string(theta.shape()) +
                           " for parameters with " + std::to_string(n) + " elements");
    }
    const ad::Var flat = theta.dimension() == 1 ? theta : ad::reshape(theta, {n});
    std::vector<ad::Var> pieces;
    pieces.reserve(params.size());
    std::size_t begin = 0;
    for (const Parameter& p : params) {
      pieces.push_back(ad::reshape(ad::slice(flat, 0, begin, begin + p.size()), p.shape()));
      begin += p.size();
    }
    ParameterBinding binding(params, std::move(pieces));
    return body();
  };
}

}  // namespace chainrule::nn
