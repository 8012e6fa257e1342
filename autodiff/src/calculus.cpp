// Jacobians, Hessians and their products over one recorded forward pass.

#include "chainrule/autodiff/calculus.hpp"

#include <xtensor/xbuilder.hpp>
#include <xtensor/xmanipulation.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/functional.hpp"
#include "chainrule/autodiff/ops.hpp"
#include "chainrule/autodiff/tape.hpp"

namespace chainrule::ad {
namespace {

// ∂y/∂x_i for every input i, as (y.size(), x_i.size()) matrices: one reverse sweep per
// element of y over the one recording, each sweep filling that row of every Jacobian.
std::vector<Tensor> jacobians_of(const Var& y, const std::vector<Var>& xs,
                                 const GradOptions& options = {}) {
  std::vector<Tensor> jacobians;
  for (const Var& x : xs) jacobians.push_back(xt::zeros<double>({y.size(), x.size()}));
  Tensor seed = xt::zeros<double>(y.value().shape());
  for (std::size_t j = 0; j < y.size(); ++j) {
    seed.fill(0.0);
    seed.data()[j] = 1.0;
    const std::vector<Var> rows = vjp(y, xs, seed, options);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const Tensor& row = rows[i].value();
      std::copy(row.data(), row.data() + row.size(), jacobians[i].data() + j * row.size());
    }
  }
  return jacobians;
}

void require_scalar(const Var& y, const char* op) {
  if (y.size() != 1) {
    throw ShapeError(std::string("chainrule: ") + op +
                     ": the function must return one element, it returned shape " +
                     to_string(y.shape()));
  }
}

void require_same_shape(const Tensor& x, const Tensor& u, const char* op) {
  if (x.shape() != u.shape()) {
    throw ShapeError(std::string("chainrule: ") + op + ": direction of shape " +
                     to_string(shape_of(u)) + " does not match the point's shape " +
                     to_string(shape_of(x)));
  }
}

}  // namespace

Tensor jacobian(const Function1& f, const Tensor& x) {
  Tape tape;
  TapeScope scope(tape);
  const Var input = variable(x);
  return jacobians_of(f(input), {input})[0];
}

std::vector<Tensor> jacobian(const FunctionN& f, const std::vector<Tensor>& inputs) {
  Tape tape;
  TapeScope scope(tape);
  std::vector<Var> vars;
  for (const Tensor& x : inputs) vars.push_back(variable(x));
  return jacobians_of(f(vars), vars);
}

namespace {

// g's gradient at x, recorded (create_graph) on the current tape so it can be swept again.
struct RecordedGradient {
  Var input;
  Var gradient;
};

RecordedGradient record_gradient(const Function1& g, const Tensor& x, const char* op) {
  const Var input = variable(x);
  const Var y = g(input);
  require_scalar(y, op);
  return {input, grad(y, {input}, {.create_graph = true})[0]};
}

}  // namespace

Tensor hessian(const Function1& g, const Tensor& x) {
  Tape tape;
  TapeScope scope(tape);
  const auto [input, gradient] = record_gradient(g, x, "hessian");
  const Tensor h = jacobians_of(gradient, {input})[0];
  return 0.5 * (h + xt::transpose(h));  // exact up to rounding; make it exactly symmetric
}

Tensor hvp(const Function1& g, const Tensor& x, const Tensor& u) {
  require_same_shape(x, u, "hvp");
  Tape tape;
  TapeScope scope(tape);
  const auto [input, gradient] = record_gradient(g, x, "hvp");
  return vjp(gradient, {input}, u)[0].value();  // uᵀH = (Hu)ᵀ: H is symmetric
}

Tensor jvp(const Function1& f, const Tensor& x, const Tensor& u) {
  require_same_shape(x, u, "jvp");
  Tape tape;
  TapeScope scope(tape);
  const Var input = variable(x);
  const Var y = f(input);
  // Jᵀv is linear in v; its gradient with respect to v along u is J·u.
  const Var v = variable(xt::zeros<double>(y.value().shape()));
  const Var jtv = vjp(y, {input}, v, {.create_graph = true})[0];
  return vjp(jtv, {v}, u)[0].value();
}

}  // namespace chainrule::ad
