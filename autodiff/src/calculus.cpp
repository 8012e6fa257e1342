// Jacobians, Hessians and their products over one recorded forward pass.

#include "chainrule/autodiff/calculus.hpp"

#include <xtensor/xbuilder.hpp>
#include <xtensor/xmanipulation.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/functional.hpp"
#include "chainrule/autodiff/grad_mode.hpp"
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

// One direction per input, each shaped like its input.
void require_directions(const std::vector<Tensor>& inputs, const std::vector<Tensor>& directions,
                        const char* op) {
  if (inputs.size() != directions.size()) {
    throw ShapeError(std::string("chainrule: ") + op + ": " + std::to_string(directions.size()) +
                     " directions given for " + std::to_string(inputs.size()) + " inputs");
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].shape() != directions[i].shape()) {
      throw ShapeError(std::string("chainrule: ") + op + ": direction " + std::to_string(i) +
                       " has shape " + to_string(shape_of(directions[i])) + ", input " +
                       std::to_string(i) + " has shape " + to_string(shape_of(inputs[i])));
    }
  }
}

std::vector<Var> variables(const std::vector<Tensor>& inputs) {
  std::vector<Var> vars;
  vars.reserve(inputs.size());
  for (const Tensor& x : inputs) vars.push_back(variable(x));
  return vars;
}

// ⟨a, u⟩ summed over every pair: the scalar whose gradient is a linear map applied to u.
Var inner_product(const std::vector<Var>& a, const std::vector<Tensor>& u) {
  Var total = constant(Tensor(0.0));
  for (std::size_t i = 0; i < a.size(); ++i) total = total + sum(a[i] * constant(u[i]));
  return total;
}

}  // namespace

Tensor jacobian(const Function1& f, const Tensor& x) {
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const Var input = variable(x);
  return jacobians_of(f(input), {input})[0];
}

std::vector<Tensor> jacobian(const FunctionN& f, const std::vector<Tensor>& inputs) {
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const std::vector<Var> vars = variables(inputs);
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
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const auto [input, gradient] = record_gradient(g, x, "hessian");
  const Tensor h = jacobians_of(gradient, {input})[0];
  return 0.5 * (h + xt::transpose(h));  // exact up to rounding; make it exactly symmetric
}

Tensor hvp(const Function1& g, const Tensor& x, const Tensor& u) {
  require_same_shape(x, u, "hvp");
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const auto [input, gradient] = record_gradient(g, x, "hvp");
  return vjp(gradient, {input}, u)[0].value();  // uᵀH = (Hu)ᵀ: H is symmetric
}

Tensor jvp(const Function1& f, const Tensor& x, const Tensor& u) {
  require_same_shape(x, u, "jvp");
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const Var input = variable(x);
  const Var y = f(input);
  // Jᵀv is linear in v; its gradient with respect to v along u is J·u.
  const Var v = variable(xt::zeros<double>(y.value().shape()));
  const Var jtv = vjp(y, {input}, v, {.create_graph = true})[0];
  return vjp(jtv, {v}, u)[0].value();
}

// ---- functions of several inputs -------------------------------------------------------

namespace {

// g's gradient with respect to every input, recorded so that it can be swept again.
std::vector<Var> record_gradients(const FunctionN& g, const std::vector<Var>& inputs,
                                  const char* op) {
  const Var y = g(inputs);
  require_scalar(y, op);
  return grad(y, inputs, {.create_graph = true});
}

}  // namespace

std::vector<std::vector<Tensor>> hessian(const FunctionN& g, const std::vector<Tensor>& inputs) {
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const std::vector<Var> vars = variables(inputs);
  const std::vector<Var> gradients = record_gradients(g, vars, "hessian");
  std::vector<std::vector<Tensor>> blocks;
  for (const Var& gradient : gradients) blocks.push_back(jacobians_of(gradient, vars));
  // Exact up to rounding; make the whole matrix exactly symmetric, block by block.
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    for (std::size_t j = i; j < blocks.size(); ++j) {
      Tensor mean = 0.5 * (blocks[i][j] + xt::transpose(blocks[j][i]));
      blocks[j][i] = xt::transpose(mean);
      blocks[i][j] = std::move(mean);
    }
  }
  return blocks;
}

std::vector<Tensor> hvp(const FunctionN& g, const std::vector<Tensor>& inputs,
                        const std::vector<Tensor>& directions) {
  require_directions(inputs, directions, "hvp");
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const std::vector<Var> vars = variables(inputs);
  const std::vector<Var> gradients = record_gradients(g, vars, "hvp");
  // ∂⟨∇g, u⟩/∂x_i = Σ_j H_ji u_j = Σ_j H_ij u_j, since H is symmetric.
  std::vector<Tensor> products;
  for (const Var& p : grad(inner_product(gradients, directions), vars)) {
    products.push_back(p.value());
  }
  return products;
}

Tensor jvp(const FunctionN& f, const std::vector<Tensor>& inputs,
           const std::vector<Tensor>& directions) {
  require_directions(inputs, directions, "jvp");
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const std::vector<Var> vars = variables(inputs);
  const Var y = f(vars);
  // Jᵀv is linear in v; the gradient of ⟨Jᵀv, u⟩ in v is J·u = Σ_i J_i u_i.
  const Var v = variable(xt::zeros<double>(y.value().shape()));
  const std::vector<Var> jtv = vjp(y, vars, v, {.create_graph = true});
  return grad(inner_product(jtv, directions), {v})[0].value();
}

}  // namespace chainrule::ad
