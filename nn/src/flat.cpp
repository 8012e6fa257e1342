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

namespace {

void check_size(std::size_t size, const std::vector<Parameter>& params, const char* op) {
  const std::size_t n = flat_size(params);
  if (size != n) {
    throw ad::ShapeError(std::string("chainrule: ") + op + ": the flat vector has " +
                         std::to_string(size) + " elements, the parameters have " +
                         std::to_string(n));
  }
}

// A gradient resized apart from its value would be read or written out of bounds.
void check_tensor(const ad::Tensor& t, const Parameter& p, const char* op) {
  if (t.size() != p.size()) {
    throw ad::ShapeError(std::string("chainrule: ") + op + ": parameter '" + p.name() +
                         "' has shape " + ad::to_string(p.shape()) + " but its gradient has " +
                         ad::to_string(ad::shape_of(t)) + "; call zero_grad()");
  }
}

// Copies each parameter's tensor (`which` of it) into consecutive blocks of `out`.
template <class Which>
void gather(const std::vector<Parameter>& params, std::span<double> out, Which which,
            const char* op) {
  check_size(out.size(), params, op);
  double* to = out.data();
  for (const Parameter& p : params) {
    check_tensor(which(p), p, op);
    to = std::copy_n(which(p).data(), p.size(), to);
  }
}

// The reverse: consecutive blocks of `in` into each parameter's tensor.
template <class Which>
void scatter(std::span<const double> in, const std::vector<Parameter>& params, Which which,
             const char* op) {
  check_size(in.size(), params, op);
  const double* from = in.data();
  for (Parameter p : params) {
    check_tensor(which(p), p, op);
    std::copy_n(from, p.size(), which(p).data());
    from += p.size();
  }
}

const auto value_of = [](auto& p) -> auto& { return p.value(); };
const auto grad_of = [](auto& p) -> auto& { return p.grad(); };

}  // namespace

void flatten_into(const std::vector<Parameter>& params, std::span<double> out) {
  gather(params, out, value_of, "flatten_into");
}

void flatten_grad_into(const std::vector<Parameter>& params, std::span<double> out) {
  gather(params, out, grad_of, "flatten_grad_into");
}

void unflatten(std::span<const double> theta, const std::vector<Parameter>& params) {
  scatter(theta, params, value_of, "unflatten");
}

void unflatten_grad(std::span<const double> gradient, const std::vector<Parameter>& params) {
  scatter(gradient, params, grad_of, "unflatten_grad");
}

ad::Tensor flatten(const std::vector<Parameter>& params) {
  ad::Tensor theta = ad::Tensor::from_shape({flat_size(params)});
  flatten_into(params, {theta.data(), theta.size()});
  return theta;
}

ad::Tensor flatten_grad(const std::vector<Parameter>& params) {
  ad::Tensor g = ad::Tensor::from_shape({flat_size(params)});
  flatten_grad_into(params, {g.data(), g.size()});
  return g;
}

void unflatten(const ad::Tensor& theta, const std::vector<Parameter>& params) {
  unflatten(std::span<const double>(theta.data(), theta.size()), params);
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
