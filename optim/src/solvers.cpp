// Function-based solvers: Newton (hybrid), Gauss–Newton, Levenberg–Marquardt, gradient
// descent, first-order optimizers; Armijo line search; the minimize driver.

#include "chainrule/optim/solvers.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/calculus.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/functional.hpp"
#include "chainrule/autodiff/ops.hpp"

namespace chainrule::optim {
namespace {

double dot(const ad::Tensor& a, const ad::Tensor& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a.data()[i] * b.data()[i];
  return s;
}

double norm(const ad::Tensor& a) { return std::sqrt(dot(a, a)); }

// x ← x + t·d.
void axpy(ad::Tensor& x, double t, const ad::Tensor& d) {
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] += t * d.data()[i];
}

// What a Cholesky factorisation found.
enum class Factorisation { ok, singular, indefinite };

// Solves A·d = b for a symmetric (n × n) A by Cholesky, A = L·Lᵀ. Fails — the test for "not
// positive definite" — when a pivot is negative (indefinite), or so small relative to the
// diagonal (or not finite) that A is numerically singular.
Factorisation cholesky_solve(ad::Tensor a, const ad::Tensor& b, ad::Tensor& d) {
  const std::size_t n = b.size();
  double* l = a.data();
  double largest = 0.0;
  for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, std::abs(l[i * n + i]));
  const double tiny = static_cast<double>(n) * std::numeric_limits<double>::epsilon() * largest;
  for (std::size_t j = 0; j < n; ++j) {
    double pivot = l[j * n + j];
    for (std::size_t k = 0; k < j; ++k) pivot -= l[j * n + k] * l[j * n + k];
    if (pivot < -tiny) return Factorisation::indefinite;
    if (!(pivot > tiny) || !std::isfinite(pivot)) return Factorisation::singular;
    const double root = std::sqrt(pivot);
    l[j * n + j] = root;
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = l[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / root;
    }
  }
  d = b;
  double* y = d.data();
  for (std::size_t i = 0; i < n; ++i) {  // L·y = b
    for (std::size_t k = 0; k < i; ++k) y[i] -= l[i * n + k] * y[k];
    y[i] /= l[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {  // Lᵀ·d = y
    for (std::size_t k = i + 1; k < n; ++k) y[i] -= l[k * n + i] * y[k];
    y[i] /= l[i * n + i];
  }
  return Factorisation::ok;
}

// JᵀJ (n × n) and Jᵀr (n) for J (m × n).
void normal_equations(const ad::Tensor& jac, const ad::Tensor& r, ad::Tensor& jtj,
                      ad::Tensor& jtr) {
  const std::size_t m = jac.shape()[0];
  const std::size_t n = jac.shape()[1];
  jtj = xt::zeros<double>({n, n});
  jtr = xt::zeros<double>({n});
  const double* j = jac.data();
  for (std::size_t k = 0; k < m; ++k) {
    const double* row = j + k * n;
    for (std::size_t a = 0; a < n; ++a) {
      jtr.data()[a] += row[a] * r.data()[k];
      for (std::size_t b = a; b < n; ++b) jtj.data()[a * n + b] += row[a] * row[b];
    }
  }
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = 0; b < a; ++b) jtj.data()[a * n + b] = jtj.data()[b * n + a];
  }
}

ad::Tensor scaled(const ad::Tensor& g, double factor) {
  ad::Tensor out = g;
  for (double& v : out) v *= factor;
  return out;
}

std::string format(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", x);
  return buffer;
}

// Moves x along d (with the line search if enabled) and re-evaluates `current` there.
StepInfo take_step(Evaluator& evaluator, ad::Tensor& x, Evaluation& current, const ad::Tensor& d,
                   const LineSearch& line_search, std::string note) {
  StepInfo info;
  info.note = std::move(note);
  if (line_search.enabled) {
    const LineSearchResult ls = armijo([&](const ad::Tensor& p) { return evaluator.cost(p); }, x,
                                       current.cost, current.gradient, d, line_search);
    if (!ls.ok) {
      info.ok = false;
      info.reason = StopReason::line_search_failed;
      return info;
    }
    info.step_size = ls.step;
  }
  axpy(x, info.step_size, d);
  current.cost = evaluator.cost_and_gradient(x, current.gradient);
  return info;
}

// A step of Newton or Gauss–Newton that never lets the cost grow: along d with the line
// search when it is enabled, otherwise the full step if it decreases the cost (or, for a
// Newton step, `near_minimum`, grows it by no more than rounding: 1e-12 relative, what a step
// at the minimum does), else the step halved up to max_halvings times until the cost
// decreases. Strict decrease for those, so that a step that only jumps between points of
// equal cost (−x, x on a parabola) is not taken forever. `current` changes only when the step
// is taken.
StepInfo descend(Evaluator& evaluator, ad::Tensor& x, Evaluation& current, const ad::Tensor& d,
                 const NewtonOptions& options, std::string note, bool near_minimum) {
  if (options.line_search.enabled) {
    return take_step(evaluator, x, current, d, options.line_search, std::move(note));
  }
  StepInfo info;
  info.note = std::move(note);
  ad::Tensor trial = x;
  axpy(trial, 1.0, d);
  Evaluation full;
  full.cost = evaluator.cost_and_gradient(trial, full.gradient);
  if (std::isfinite(full.cost) &&
      (full.cost < current.cost ||
       (near_minimum && full.cost <= current.cost + 1e-12 * std::abs(current.cost)))) {
    x = std::move(trial);
    current = std::move(full);
    return info;
  }
  double t = 1.0;
  for (std::size_t k = 0; k < options.max_halvings; ++k) {
    t *= 0.5;
    std::copy(x.begin(), x.end(), trial.begin());
    axpy(trial, t, d);
    const double cost = evaluator.cost(trial);
    if (std::isfinite(cost) && cost < current.cost) {
      x = std::move(trial);
      current.cost = evaluator.cost_and_gradient(x, current.gradient);
      info.step_size = t;
      info.note += ", step halved to " + format(t);
      return info;
    }
  }
  info.ok = false;
  info.reason = StopReason::diverged;
  return info;
}

// Newton's and Gauss–Newton's iteration on the system A·d = −g: the solution when A is
// positive definite, else (or when that step cannot decrease the cost) the gradient step.
StepInfo solve_and_descend(Evaluator& evaluator, ad::Tensor& x, Evaluation& current,
                           const ad::Tensor& a, const ad::Tensor& rhs, const NewtonOptions& options,
                           const std::string& method, const std::string& matrix) {
  ad::Tensor d;
  const Factorisation f = cholesky_solve(a, rhs, d);
  if (f == Factorisation::ok) {
    StepInfo info = descend(evaluator, x, current, d, options, method, true);
    if (info.ok) return info;
  }
  const std::string why = f == Factorisation::ok         ? "the " + method + " step diverged"
                          : f == Factorisation::singular ? matrix + " singular"
                                                         : matrix + " not positive definite";
  StepInfo info =
      descend(evaluator, x, current, scaled(current.gradient, -options.fallback_aggression),
              options, "steepest descent (" + why + ")", false);
  if (!info.ok) {
    if (f != Factorisation::ok) {
      info.reason = StopReason::singular;
    } else if (!options.line_search.enabled) {
      info.reason = StopReason::diverged;
    }  // else: line_search_failed, as the line search reported
    info.note = why + "; no step along the gradient decreased the cost";
  }
  return info;
}

}  // namespace

// --- problem, evaluator, line search ---------------------------------------------------------

Problem Problem::minimize(Objective cost) {
  if (!cost) throw ad::Error("chainrule: Problem::minimize: empty cost function");
  Problem p;
  p.cost = std::move(cost);
  return p;
}

Problem Problem::least_squares(Residual residual) {
  if (!residual) throw ad::Error("chainrule: Problem::least_squares: empty residual function");
  Problem p;
  p.cost = [residual](const ad::Var& x) { return ad::sum(ad::square(residual(x))); };
  p.residual = std::move(residual);
  return p;
}

std::string to_string(StopReason reason) {
  switch (reason) {
    case StopReason::gradient_tolerance:
      return "gradient norm below tolerance";
    case StopReason::cost_change:
      return "relative cost change below tolerance";
    case StopReason::step_tolerance:
      return "step below tolerance";
    case StopReason::max_iterations:
      return "maximum iterations reached";
    case StopReason::line_search_failed:
      return "line search found no sufficient decrease";
    case StopReason::no_progress:
      return "no damping decreased the cost";
    case StopReason::non_finite:
      return "cost or gradient not finite";
    case StopReason::callback:
      return "stopped by callback";
    case StopReason::singular:
      return "singular system: no step decreased the cost";
    case StopReason::diverged:
      return "diverged: every step made the cost grow";
  }
  return "unknown";
}

LineSearchResult armijo(const std::function<double(const ad::Tensor&)>& f, const ad::Tensor& x,
                        double fx, const ad::Tensor& gradient, const ad::Tensor& direction,
                        const LineSearch& options) {
  LineSearchResult result;
  const double slope = dot(gradient, direction);
  if (!(slope < 0.0)) return result;  // not a descent direction
  double t = options.initial_step;
  ad::Tensor trial = x;
  for (std::size_t k = 0; k < options.max_backtracks; ++k) {
    std::copy(x.begin(), x.end(), trial.begin());
    axpy(trial, t, direction);
    const double ft = f(trial);
    ++result.evaluations;
    if (std::isfinite(ft) && ft <= fx + options.sufficient_decrease * t * slope) {
      result.ok = true;
      result.step = t;
      result.cost = ft;
      return result;
    }
    t *= options.shrink;
  }
  return result;
}

Evaluator::Evaluator(Problem problem, JacobianMode mode)
    : problem_(std::move(problem)), mode_(mode) {
  if (!problem_.cost) throw ad::Error("chainrule: Evaluator: the problem has no cost function");
}

ad::Var Evaluator::record_cost(const ad::Var& x) {
  ad::Var c = problem_.cost(x);
  if (c.size() != 1) {
    throw ad::ShapeError("chainrule: minimize: the cost must be one element, it has shape " +
                         ad::to_string(c.shape()));
  }
  return c;
}

double Evaluator::cost(const ad::Tensor& x) {
  ++evaluations_;
  tape_.clear();
  ad::TapeScope scope(tape_);
  return record_cost(ad::constant(x)).item();
}

double Evaluator::cost_and_gradient(const ad::Tensor& x, ad::Tensor& gradient) {
  ++evaluations_;
  tape_.clear();
  ad::TapeScope scope(tape_);
  const ad::Var v = ad::variable(x);
  const ad::Var c = record_cost(v);
  c.backward();
  gradient = v.grad();
  return c.item();
}

ad::Tensor Evaluator::hessian(const ad::Tensor& x) {
  ++evaluations_;
  return ad::hessian(problem_.cost, x);
}

void Evaluator::residual_and_jacobian(const ad::Tensor& x, ad::Tensor& r, ad::Tensor& jacobian) {
  if (!problem_.residual) {
    throw ad::Error(
        "chainrule: this method needs a residual function: build the problem with "
        "Problem::least_squares");
  }
  ++evaluations_;
  tape_.clear();
  ad::TapeScope scope(tape_);
  const ad::Var input = ad::variable(x);
  const ad::Var residual = problem_.residual(input);
  const std::size_t m = residual.size();
  const std::size_t n = x.size();
  r = ad::Tensor::from_shape({m});
  std::copy(residual.value().begin(), residual.value().end(), r.begin());
  jacobian = ad::Tensor::from_shape({m, n});
  const bool columns =
      mode_ == JacobianMode::forward_columns || (mode_ == JacobianMode::automatic && n < m);
  if (columns) {
    // Column j = J·e_j: the gradient in v of ⟨Jᵀv, e_j⟩, over one recording of Jᵀv.
    const ad::Var v = ad::variable(xt::zeros<double>(residual.value().shape()));
    const ad::Var jtv = ad::vjp(residual, {input}, v, {.create_graph = true})[0];
    ad::Tensor e = xt::zeros<double>(x.shape());
    for (std::size_t j = 0; j < n; ++j) {
      e.fill(0.0);
      e.data()[j] = 1.0;
      const ad::Tensor column = ad::vjp(jtv, {v}, e)[0].value();
      for (std::size_t i = 0; i < m; ++i) jacobian.data()[i * n + j] = column.data()[i];
    }
  } else {
    // Row i = e_iᵀ·J: one reverse sweep per residual over the same recording.
    ad::Tensor e = xt::zeros<double>(residual.value().shape());
    for (std::size_t i = 0; i < m; ++i) {
      e.fill(0.0);
      e.data()[i] = 1.0;
      const ad::Tensor row = ad::vjp(residual, {input}, e)[0].value();
      std::copy(row.begin(), row.end(), jacobian.data() + i * n);
    }
  }
}

// --- methods ---------------------------------------------------------------------------------

void Method::start(Evaluator&, const ad::Tensor&) {}

GradientDescent::GradientDescent(double aggression, LineSearch line_search)
    : aggression_(aggression), line_search_(line_search) {
  line_search_.initial_step = aggression;
}

StepInfo GradientDescent::iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) {
  if (line_search_.enabled) {
    return take_step(evaluator, x, current, scaled(current.gradient, -1.0), line_search_, "");
  }
  for (std::size_t i = 0; i < x.size(); ++i)
    x.data()[i] -= aggression_ * current.gradient.data()[i];
  current.cost = evaluator.cost_and_gradient(x, current.gradient);
  StepInfo info;
  info.step_size = aggression_;
  return info;
}

Newton::Newton(NewtonOptions options) : options_(options) {}

StepInfo Newton::iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) {
  return solve_and_descend(evaluator, x, current, evaluator.hessian(x),
                           scaled(current.gradient, -1.0), options_, "newton", "Hessian");
}

GaussNewton::GaussNewton(NewtonOptions options) : options_(options) {}

StepInfo GaussNewton::iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) {
  ad::Tensor r;
  ad::Tensor jac;
  evaluator.residual_and_jacobian(x, r, jac);
  ad::Tensor jtj;
  ad::Tensor jtr;
  normal_equations(jac, r, jtj, jtr);
  return solve_and_descend(evaluator, x, current, jtj, scaled(jtr, -1.0), options_, "gauss-newton",
                           "JᵀJ");
}

LevenbergMarquardt::LevenbergMarquardt(LevenbergMarquardtOptions options)
    : options_(options), lambda_(options.initial_damping) {}

void LevenbergMarquardt::start(Evaluator&, const ad::Tensor&) {
  lambda_ = options_.initial_damping;
}

StepInfo LevenbergMarquardt::iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) {
  ad::Tensor r;
  ad::Tensor jac;
  evaluator.residual_and_jacobian(x, r, jac);
  ad::Tensor jtj;
  ad::Tensor jtr;
  normal_equations(jac, r, jtj, jtr);
  const std::size_t n = x.size();
  // The damping matrix D: diag(JᵀJ) (floored, so a zero column still gets damped) or I.
  double largest = 0.0;
  for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, jtj.data()[i * n + i]);
  ad::Tensor diagonal = ad::Tensor::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) {
    diagonal.data()[i] = options_.scale_by_diagonal
                             ? std::max(jtj.data()[i * n + i], 1e-12 * std::max(largest, 1e-300))
                             : 1.0;
  }
  const ad::Tensor rhs = scaled(jtr, -1.0);
  ad::Tensor trial = x;
  ad::Tensor d;
  while (lambda_ <= options_.max_damping) {
    ad::Tensor a = jtj;
    for (std::size_t i = 0; i < n; ++i) a.data()[i * n + i] += lambda_ * diagonal.data()[i];
    if (cholesky_solve(a, rhs, d) == Factorisation::ok) {
      std::copy(x.begin(), x.end(), trial.begin());
      axpy(trial, 1.0, d);
      const double cost = evaluator.cost(trial);
      if (std::isfinite(cost) && cost < current.cost) {
        StepInfo info;
        info.damping = lambda_;
        info.note = "accepted";
        lambda_ = std::max(lambda_ / options_.decrease, options_.min_damping);
        x = trial;
        current.cost = evaluator.cost_and_gradient(x, current.gradient);
        return info;
      }
    }
    lambda_ *= options_.increase;
  }
  StepInfo info;
  info.ok = false;
  info.reason = StopReason::no_progress;
  info.damping = lambda_;
  return info;
}

FirstOrder::FirstOrder(std::string name, Factory factory)
    : name_(std::move(name)), factory_(std::move(factory)) {
  if (!factory_) throw ad::Error("chainrule: FirstOrder: empty optimizer factory");
}

void FirstOrder::start(Evaluator&, const ad::Tensor& x0) {
  theta_ = {ad::Parameter(x0, "theta")};
  optimizer_ = factory_(theta_);
  if (name_ == "first-order" && optimizer_) name_ = optimizer_->name();
}

StepInfo FirstOrder::iterate(Evaluator& evaluator, ad::Tensor& x, Evaluation& current) {
  if (!optimizer_) start(evaluator, x);
  ad::Parameter& theta = theta_[0];
  std::copy(x.begin(), x.end(), theta.value().begin());
  std::copy(current.gradient.begin(), current.gradient.end(), theta.grad().begin());
  StepInfo info;
  info.step_size = optimizer_->current_learning_rate();
  optimizer_->step();
  std::copy(theta.value().begin(), theta.value().end(), x.begin());
  current.cost = evaluator.cost_and_gradient(x, current.gradient);
  return info;
}

// --- minimize --------------------------------------------------------------------------------

bool Result::converged() const {
  return reason == StopReason::gradient_tolerance || reason == StopReason::cost_change ||
         reason == StopReason::step_tolerance;
}

Result minimize(Method& method, const Problem& problem, ad::Tensor x0,
                const MinimizeOptions& options) {
  if (x0.dimension() != 1) {
    throw ad::ShapeError(
        "chainrule: minimize: the starting point must be 1-D (a flat θ), got shape " +
        ad::to_string(ad::shape_of(x0)));
  }
  const StopCriteria& stop = options.stop;
  Evaluator evaluator(problem);
  ad::Tensor x = std::move(x0);
  method.start(evaluator, x);
  Evaluation current;
  current.cost = evaluator.cost_and_gradient(x, current.gradient);

  Result result;
  bool stopped_by_callback = false;
  const auto report = [&](std::size_t iteration, const StepInfo* info) {
    if (!options.record_history && !options.callback) return;
    Iterate it;
    it.iteration = iteration;
    it.x = x;
    it.cost = current.cost;
    it.gradient_norm = norm(current.gradient);
    if (info != nullptr) {
      it.step_size = info->step_size;
      it.damping = info->damping;
      it.note = info->note;
    }
    if (options.callback && !options.callback(it)) stopped_by_callback = true;
    if (options.record_history) result.history.push_back(std::move(it));
  };
  const auto finite = [&] {
    return std::isfinite(current.cost) && std::isfinite(norm(current.gradient));
  };

  report(0, nullptr);
  std::size_t k = 0;
  StopReason reason = StopReason::max_iterations;
  if (stopped_by_callback) {
    reason = StopReason::callback;
  } else if (!finite()) {
    reason = StopReason::non_finite;
  } else {
    ad::Tensor previous = x;
    for (;;) {
      if (stop.gradient_tolerance > 0 && norm(current.gradient) <= stop.gradient_tolerance) {
        reason = StopReason::gradient_tolerance;
        break;
      }
      if (k >= stop.max_iterations) {
        reason = StopReason::max_iterations;
        break;
      }
      const double previous_cost = current.cost;
      std::copy(x.begin(), x.end(), previous.begin());
      const StepInfo info = method.iterate(evaluator, x, current);
      if (!info.ok) {
        reason = info.reason;
        break;
      }
      ++k;
      report(k, &info);
      if (stopped_by_callback) {
        reason = StopReason::callback;
        break;
      }
      if (!finite()) {
        reason = StopReason::non_finite;
        break;
      }
      if (stop.relative_cost_tolerance > 0 &&
          std::abs(current.cost - previous_cost) <=
              stop.relative_cost_tolerance *
                  std::max(std::abs(current.cost), std::abs(previous_cost))) {
        reason = StopReason::cost_change;
        break;
      }
      if (stop.step_tolerance > 0) {
        double step = 0.0;
        for (std::size_t i = 0; i < x.size(); ++i) {
          const double delta = x.data()[i] - previous.data()[i];
          step += delta * delta;
        }
        if (std::sqrt(step) <= stop.step_tolerance * (norm(previous) + stop.step_tolerance)) {
          reason = StopReason::step_tolerance;
          break;
        }
      }
    }
  }

  result.x = std::move(x);
  result.cost = current.cost;
  result.gradient_norm = norm(current.gradient);
  result.gradient = std::move(current.gradient);
  result.iterations = k;
  result.evaluations = evaluator.evaluations();
  result.reason = reason;
  result.message = method.name() + ": " + to_string(reason) + " after " + std::to_string(k) +
                   " iterations; cost " + format(result.cost) + ", gradient norm " +
                   format(result.gradient_norm);
  return result;
}

}  // namespace chainrule::optim
