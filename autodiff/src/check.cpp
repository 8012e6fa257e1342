// gradcheck: autodiff Jacobians against central finite differences.

#include "chainrule/autodiff/check.hpp"

#include <cmath>
#include <random>
#include <sstream>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xrandom.hpp>

#include "chainrule/autodiff/functional.hpp"
#include "chainrule/autodiff/grad_mode.hpp"
#include "chainrule/autodiff/ops.hpp"
#include "chainrule/autodiff/tape.hpp"

namespace chainrule::ad {
namespace {

std::vector<Var> leaves(const std::vector<Tensor>& inputs) {
  std::vector<Var> vars;
  vars.reserve(inputs.size());
  for (const Tensor& x : inputs) vars.push_back(variable(x));
  return vars;
}

// f's value at `inputs`, recorded on a throw-away tape.
Tensor evaluate(const FunctionN& f, const std::vector<Tensor>& inputs) {
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  return f(leaves(inputs)).value();
}

// jacobians[i] has shape (outputs, inputs[i].size()): row j = gradient of output element j.
std::vector<xt::xtensor<double, 2>> autodiff_jacobians(const FunctionN& f,
                                                       const std::vector<Tensor>& inputs) {
  Tape tape;
  TapeScope scope(tape);
  EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
  const std::vector<Var> vars = leaves(inputs);
  const Var y = f(vars);
  const std::size_t outputs = y.size();
  std::vector<xt::xtensor<double, 2>> jacobians;
  for (const Tensor& x : inputs) jacobians.push_back(xt::zeros<double>({outputs, x.size()}));
  Tensor seed = xt::zeros<double>(y.value().shape());
  for (std::size_t j = 0; j < outputs; ++j) {
    seed.fill(0.0);
    seed.data()[j] = 1.0;
    const std::vector<Var> grads = vjp(y, vars, seed);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& g = grads[i].value();
      // Pointer arithmetic, not &J(j, 0): that binds a reference into an empty buffer when the
      // input has no elements (UBSan).
      std::copy(g.data(), g.data() + g.size(), jacobians[i].data() + j * g.size());
    }
  }
  return jacobians;
}

}  // namespace

GradcheckReport gradcheck_report(const FunctionN& f, const std::vector<Tensor>& inputs,
                                 const GradcheckOptions& options) {
  const std::vector<xt::xtensor<double, 2>> analytic = autodiff_jacobians(f, inputs);
  GradcheckReport report;
  double worst_excess = 0.0;
  std::vector<Tensor> shifted = inputs;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (std::size_t e = 0; e < inputs[i].size(); ++e) {
      const double x = inputs[i].data()[e];
      shifted[i].data()[e] = x + options.eps;
      const Tensor plus = evaluate(f, shifted);
      shifted[i].data()[e] = x - options.eps;
      const Tensor minus = evaluate(f, shifted);
      shifted[i].data()[e] = x;
      for (std::size_t j = 0; j < plus.size(); ++j) {
        const double numeric = (plus.data()[j] - minus.data()[j]) / (2.0 * options.eps);
        const double autodiff = analytic[i](j, e);
        const double error = std::abs(autodiff - numeric);
        const double excess = error - (options.atol + options.rtol * std::abs(numeric));
        report.max_abs_error = std::max(report.max_abs_error, error);
        if (!(excess <= worst_excess)) {  // also catches NaN
          worst_excess = std::isnan(excess) ? INFINITY : excess;
          report.ok = false;
          std::ostringstream message;
          message.precision(12);
          message << "gradcheck: input " << i << ", entry " << e << ", output element " << j
                  << ": autodiff " << autodiff << " vs finite differences " << numeric
                  << " (|difference| " << error << ")";
          report.message = message.str();
        }
      }
    }
  }
  return report;
}

GradcheckReport gradgradcheck_report(const FunctionN& f, const std::vector<Tensor>& inputs,
                                     const GradcheckOptions& options) {
  // Fixed random weights u (for the outputs) and v (for the gradient): h(x) = ⟨∇⟨u, f⟩, v⟩,
  // whose gradient is H·v, reached through create_graph.
  std::mt19937_64 random(20241121);
  std::normal_distribution<double> normal;
  const auto draw = [&](const auto& shape) {
    Tensor t = xt::zeros<double>(shape);
    for (double& value : t) value = normal(random);
    return t;
  };
  const Tensor u = draw(evaluate(f, inputs).shape());
  std::vector<Tensor> v;
  for (const Tensor& x : inputs) v.push_back(draw(x.shape()));
  const FunctionN h = [&](const std::vector<Var>& vars) {
    const Var s = sum(f(vars) * constant(u));
    const std::vector<Var> grads = grad(s, vars, {.create_graph = true});
    Var total = constant(0.0);
    for (std::size_t i = 0; i < vars.size(); ++i) total = total + sum(grads[i] * constant(v[i]));
    return total;
  };
  // h is built from the create_graph gradient, so its finite differences cannot tell whether
  // that gradient itself is right: compare it with the ordinary (tensor-sweep) gradient first.
  {
    Tape tape;
    TapeScope scope(tape);
    EnableGradGuard recording;  // differentiates what it records, even under NoGradGuard
    const std::vector<Var> vars = leaves(inputs);
    const Var s = sum(f(vars) * constant(u));
    const std::vector<Var> plain = grad(s, vars);
    const std::vector<Var> recorded = grad(s, vars, {.create_graph = true});
    for (std::size_t i = 0; i < vars.size(); ++i) {
      const Tensor& a = recorded[i].value();
      const Tensor& b = plain[i].value();
      for (std::size_t e = 0; e < b.size(); ++e) {
        const double error = std::abs(a.data()[e] - b.data()[e]);
        if (!(error <= options.atol + options.rtol * std::abs(b.data()[e]))) {
          std::ostringstream message;
          message.precision(12);
          message << "gradgradcheck: input " << i << ", entry " << e << ": create_graph gradient "
                  << a.data()[e] << " vs ordinary gradient " << b.data()[e];
          return {false, error, message.str()};
        }
      }
    }
  }
  GradcheckReport report = gradcheck_report(h, inputs, options);
  if (!report.ok) report.message = "second order (H·v): " + report.message;
  return report;
}

bool gradcheck(const Function1& f, const std::vector<Tensor>& points,
               const GradcheckOptions& options) {
  const FunctionN wrapped = [&](const std::vector<Var>& vars) { return f(vars[0]); };
  for (const Tensor& point : points) {
    if (!gradcheck_report(wrapped, {point}, options).ok) return false;
  }
  return true;
}

bool gradcheck(const FunctionN& f, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options) {
  return gradcheck_report(f, inputs, options).ok;
}

bool gradgradcheck(const FunctionN& f, const std::vector<Tensor>& inputs,
                   const GradcheckOptions& options) {
  return gradgradcheck_report(f, inputs, options).ok;
}

}  // namespace chainrule::ad
