// Newton–Raphson, Taylor models and Lagrange multipliers over ad::jacobian / ad::hessian.

#include "chainrule/autodiff/solvers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/calculus.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/functional.hpp"
#include "chainrule/autodiff/grad_mode.hpp"
#include "chainrule/autodiff/ops.hpp"
#include "chainrule/autodiff/tape.hpp"

namespace chainrule::ad {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

// max|t|, infinite when t has a NaN or an infinity.
double max_abs(const Tensor& t) {
  double m = 0.0;
  for (double v : t) {
    if (!std::isfinite(v)) return infinity;
    m = std::max(m, std::abs(v));
  }
  return m;
}

std::string number(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

std::string point(const Tensor& x) {
  if (x.size() == 1) return number(x.data()[0]);
  std::string s = "(";
  for (std::size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + number(x.data()[i]);
  return s + ")";
}

// A flat copy of t's elements, shape (t.size()).
Tensor flat(const Tensor& t) {
  Tensor out = t;
  out.reshape({t.size()});
  return out;
}

NewtonResult finish(NewtonResult r, NewtonStatus status, std::string message) {
  r.status = status;
  r.converged = status == NewtonStatus::converged;
  r.message = std::move(message);
  return r;
}

void require_one_element(const Tensor& y, const char* op, const char* what) {
  if (y.size() != 1) {
    throw ShapeError(std::string("chainrule: ") + op + ": " + what +
                     " must return one element, it returned shape " + to_string(shape_of(y)));
  }
}

}  // namespace

const char* to_string(NewtonStatus status) {
  switch (status) {
    case NewtonStatus::converged:
      return "converged";
    case NewtonStatus::max_iterations:
      return "max_iterations";
    case NewtonStatus::singular_jacobian:
      return "singular_jacobian";
    case NewtonStatus::diverged:
      return "diverged";
    case NewtonStatus::non_finite:
      return "non_finite";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, NewtonStatus status) {
  return out << to_string(status);
}

// --- Newton–Raphson -------------------------------------------------------------------------

NewtonResult newton_raphson(const Function1& f, const Tensor& x0, const NewtonOptions& options) {
  const std::size_t n = x0.size();
  NewtonResult r;
  r.x = x0;
  r.history.push_back(x0);
  double last_step = infinity;
  for (;;) {
    const std::string where =
        " at x = " + point(r.x) + " after " + std::to_string(r.iterations) + " iteration(s)";
    const double size = max_abs(r.x);
    if (size == infinity) {  // a step overflowed (or x0 was not finite): nothing to evaluate
      if (r.iterations == 0) r.fx = xt::zeros<double>(x0.shape());
      r.fx.fill(std::numeric_limits<double>::quiet_NaN());
      return finish(std::move(r), NewtonStatus::non_finite, "x is not finite" + where);
    }

    // f(x) and J(x) from one recording: the value is kept as `f` runs inside ad::jacobian.
    Tensor fx;
    const Function1 recorded = [&](const Var& v) {
      Var y = f(v);
      fx = y.value();
      return y;
    };
    const Tensor jac = jacobian(recorded, r.x);
    if (fx.size() != n) {
      throw ShapeError("chainrule: newton_raphson: f maps x of shape " + to_string(shape_of(r.x)) +
                       " to shape " + to_string(shape_of(fx)) +
                       "; Newton's method needs as many equations as unknowns");
    }
    r.fx = fx;
    const double residual = max_abs(fx);
    if (r.iterations > 0 && size > options.divergence_threshold) {
      return finish(std::move(r), NewtonStatus::diverged,
                    "diverged: max|x| = " + number(size) + " exceeds " +
                        number(options.divergence_threshold) + " after " +
                        std::to_string(r.iterations) + " iteration(s)");
    }
    if (residual == infinity || max_abs(jac) == infinity) {
      return finish(std::move(r), NewtonStatus::non_finite,
                    "f(x) or its Jacobian is not finite" + where);
    }
    if (residual <= options.tolerance) {
      return finish(std::move(r), NewtonStatus::converged,
                    "converged: max|f| = " + number(residual) + where);
    }
    if (last_step <= options.step_tolerance * (1.0 + size)) {
      return finish(std::move(r), NewtonStatus::converged,
                    "converged: the last step was " + number(last_step) +
                        " (max|f| = " + number(residual) + ")" + where);
    }
    if (r.iterations >= options.max_iterations) {
      return finish(std::move(r), NewtonStatus::max_iterations,
                    "no convergence within " + std::to_string(options.max_iterations) +
                        " iterations: max|f| = " + number(residual) + where);
    }

    // The step solves J Δ = −f; refuse it when J is (numerically) singular.
    const Tensor singular_values = std::get<1>(xt::linalg::svd(jac, false, false));
    const double largest = singular_values(0);
    const double smallest = singular_values(n - 1);
    const std::string singular = (n == 1 ? "the derivative is " + number(jac(0, 0))
                                         : "the Jacobian is singular (singular values " +
                                               number(largest) + " ... " + number(smallest) + ")") +
                                 where;
    if (largest == 0.0 || smallest < options.singular_tolerance * largest) {
      return finish(std::move(r), NewtonStatus::singular_jacobian, singular);
    }
    Tensor step;
    try {
      step = xt::linalg::solve(jac, Tensor(-flat(fx)));
    } catch (const std::runtime_error&) {
      return finish(std::move(r), NewtonStatus::singular_jacobian, singular);
    }
    step.reshape(shape_of(x0));
    r.x = r.x + step;
    r.history.push_back(r.x);
    ++r.iterations;
    last_step = max_abs(step);
  }
}

NewtonResult newton_raphson(const Function1& f, double x0, const NewtonOptions& options) {
  return newton_raphson(f, Tensor(x0), options);
}

// --- Taylor models --------------------------------------------------------------------------

TaylorModel taylor(const Function1& f, const Tensor& point, int order) {
  if (order < 0 || order > 2) {
    throw Error("chainrule: taylor: order must be 0, 1 or 2, got " + std::to_string(order));
  }
  TaylorModel model;
  model.point = point;
  model.order = order;
  model.gradient = xt::zeros<double>({std::size_t{0}});
  model.hessian = xt::zeros<double>({std::size_t{0}, std::size_t{0}});
  {
    Tape tape;
    TapeScope scope(tape);
    EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
    const Var x = variable(point);
    const Var y = f(x);
    require_one_element(y.value(), "taylor", "f");
    model.value = y.item();
    if (order >= 1) model.gradient = grad(y, {x})[0].value();
  }
  if (order >= 2) model.hessian = hessian(f, point);
  return model;
}

TaylorModel taylor(const Function1& f, double point, int order) {
  return taylor(f, Tensor(point), order);
}

double TaylorModel::operator()(const Tensor& x) const { return evaluate(x, order); }
double TaylorModel::operator()(double x) const { return evaluate(x, order); }

double TaylorModel::evaluate(const Tensor& x, int order_used) const {
  if (order_used < 0 || order_used > order) {
    throw Error("chainrule: taylor: cannot evaluate order " + std::to_string(order_used) +
                " of a model built to order " + std::to_string(order));
  }
  if (x.shape() != point.shape()) {
    throw ShapeError("chainrule: taylor: evaluating at a point of shape " + to_string(shape_of(x)) +
                     ", but the model was built at shape " + to_string(shape_of(point)));
  }
  const std::size_t n = point.size();
  std::vector<double> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = x.data()[i] - point.data()[i];
  double result = value;
  if (order_used >= 1) {
    for (std::size_t i = 0; i < n; ++i) result += gradient.data()[i] * d[i];
  }
  if (order_used >= 2) {
    double quadratic = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) quadratic += d[i] * hessian(i, j) * d[j];
    }
    result += 0.5 * quadratic;
  }
  return result;
}

double TaylorModel::evaluate(double x, int order_used) const {
  if (point.size() != 1) {
    throw ShapeError(
        "chainrule: taylor: evaluating at a number, but the model was built at shape " +
        to_string(shape_of(point)) + "; pass a tensor of that shape");
  }
  Tensor at = point;
  at.data()[0] = x;
  return evaluate(at, order_used);
}

// --- Lagrange multipliers -------------------------------------------------------------------

LagrangeResult lagrange_multipliers(const Function1& f, const Function1& g, const Tensor& x0,
                                    const LagrangeOptions& options) {
  const std::size_t n = x0.size();
  const Shape x_shape = shape_of(x0);
  // f and g once at x0: checks their shapes and counts the constraints.
  std::size_t m = 0;
  {
    Tape tape;
    TapeScope scope(tape);
    EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
    const Var x = constant(x0);
    require_one_element(f(x).value(), "lagrange_multipliers", "f");
    m = g(x).size();
  }
  if (m == 0) throw ShapeError("chainrule: lagrange_multipliers: g returned no constraint");
  if (!options.lambda0.empty() && options.lambda0.size() != m) {
    throw ShapeError("chainrule: lagrange_multipliers: " + std::to_string(options.lambda0.size()) +
                     " starting multipliers for " + std::to_string(m) + " constraints");
  }

  // Unknowns z = (x flattened, λ); Newton on ∇_z L(z) = (∇f − λ·∇g, −g) = 0, the gradient
  // recorded so that ad::jacobian can differentiate it again (the bordered Hessian).
  Tensor z0 = xt::zeros<double>({n + m});
  std::copy(x0.data(), x0.data() + n, z0.data());
  if (!options.lambda0.empty()) std::copy(options.lambda0.begin(), options.lambda0.end(), &z0(n));
  const Function1 grad_lagrangian = [&](const Var& z) {
    const Var x = reshape(slice(z, 0, 0, n), x_shape);
    const Var lambda = slice(z, 0, n, n + m);
    const Var lagrangian = f(x) - sum(lambda * reshape(g(x), {m}));
    return grad(lagrangian, {z}, {.create_graph = true})[0];
  };
  const NewtonResult newton = newton_raphson(grad_lagrangian, z0, options.newton);

  LagrangeResult result;
  result.x = xt::zeros<double>(x_shape);
  std::copy(newton.x.data(), newton.x.data() + n, result.x.data());
  result.lambda = xt::zeros<double>({m});
  std::copy(newton.x.data() + n, newton.x.data() + n + m, result.lambda.data());
  {
    Tape tape;
    TapeScope scope(tape);
    EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
    const Var x = constant(result.x);
    result.value = f(x).item();
    result.constraint = flat(g(x).value());
  }
  result.converged = newton.converged;
  result.status = newton.status;
  result.iterations = newton.iterations;
  result.message = "Newton on the Lagrangian's gradient in (x, lambda): " + newton.message;
  return result;
}

}  // namespace chainrule::ad
