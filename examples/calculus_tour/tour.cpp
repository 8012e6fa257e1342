// The printed tour: each week of the course worked with chainrule, every claim checked.
#include "tour.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <xtensor-blas/xlinalg.hpp>

namespace tour {

namespace {

int checks_run = 0;
int checks_failed = 0;

void heading(const std::string& title) {
  std::cout << "\n" << title << "\n" << std::string(title.size(), '=') << "\n\n";
}

std::string fixed(double v, int digits = 6) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

std::string sci(double v) {
  std::ostringstream out;
  out << std::scientific << std::setprecision(2) << v;
  return out.str();
}

void print_matrix(const std::string& name, const ad::Tensor& m) {
  const std::size_t rows = m.shape()[0], cols = m.shape()[1];
  for (std::size_t i = 0; i < rows; ++i) {
    std::cout << (i == 0 ? "  " + name + " = " : std::string(name.size() + 5, ' ')) << "[";
    for (std::size_t j = 0; j < cols; ++j) std::cout << std::setw(11) << fixed(m(i, j));
    std::cout << " ]\n";
  }
}

std::string vector_text(const ad::Tensor& v, int digits = 6) {
  std::string s = "(";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fixed(v.data()[i], digits);
  return s + ")";
}

// --- week 1: the derivative as rise over run ---------------------------------------------------

void rise_over_run() {
  heading("Week 1: the derivative as rise over run");
  const ad::Function1 f = [](const ad::Var& x) { return ad::exp(x) * ad::sin(x); };
  const double x = 1.0;
  const double exact = std::exp(x) * (std::sin(x) + std::cos(x));
  const double autodiff = ad::jacobian(f, ad::Tensor(x))(0, 0);
  std::cout << "f(x) = e^x sin(x) at x = 1. By the product rule f'(x) = e^x (sin x + cos x).\n"
            << "  exact     f'(1) = " << fixed(exact, 15) << "\n"
            << "  autodiff  f'(1) = " << fixed(autodiff, 15) << "\n\n"
            << "Rise over run, (f(x + h) - f(x)) / h, for shrinking h:\n\n"
            << "           h     rise / run           error\n";
  const double fx = value_at(f, ad::Tensor(x));
  double best = INFINITY;
  for (int k = 1; k <= 12; ++k) {
    const double h = std::pow(10.0, -k);
    const double slope = (value_at(f, ad::Tensor(x + h)) - fx) / h;
    best = std::min(best, std::abs(slope - exact));
    std::cout << "  " << std::setw(10) << sci(h) << "  " << std::setw(18) << fixed(slope, 12)
              << "  " << std::setw(14) << sci(std::abs(slope - exact)) << "\n";
  }
  std::cout << "\nThe error first shrinks like h (the curve bends away from its tangent), then\n"
               "grows again below h ~ 1e-8: f(x + h) - f(x) loses digits to rounding. Autodiff\n"
               "applies the chain rule to the same code and has neither error.\n";
  check(std::abs(autodiff - exact) < 1e-14, "autodiff derivative equals the exact one");
  check(best > 1e-9, "rise over run never gets as close as autodiff");
}

// --- week 2: gradient and Jacobian -------------------------------------------------------------

void gradient_and_jacobian() {
  heading("Week 2: gradient and Jacobian");
  const ad::Function1 f = [](const ad::Var& v) {
    const ad::Var x = at(v, 0), y = at(v, 1);
    return ad::square(x) * y + ad::sin(y);
  };
  const ad::Tensor p{1.0, 2.0};
  const ad::Tensor gradient = ad::jacobian(f, p);  // one row: the gradient
  std::cout << "f(x, y) = x^2 y + sin(y) at (x, y) = (1, 2):\n"
            << "  grad f = (df/dx, df/dy) = (2xy, x^2 + cos y)\n"
            << "         = " << vector_text(gradient) << " by autodiff\n"
            << "         = " << vector_text(ad::Tensor{4.0, 1.0 + std::cos(2.0)}) << " by hand\n\n";
  check(std::abs(gradient(0, 0) - 4.0) < 1e-14 &&
            std::abs(gradient(0, 1) - (1.0 + std::cos(2.0))) < 1e-14,
        "gradient of x^2 y + sin y");

  const ad::Function1 F = [](const ad::Var& v) {
    const ad::Var x = at(v, 0), y = at(v, 1);
    return ad::concatenate({ad::square(x) * y, 5.0 * x + ad::sin(y)});
  };
  const ad::Tensor J = ad::jacobian(F, p);
  std::cout << "F(x, y) = (x^2 y, 5x + sin y) at (1, 2): row i of the Jacobian is the gradient\n"
               "of output i, J = [[2xy, x^2], [5, cos y]]:\n";
  print_matrix("J", J);
  check(std::abs(J(0, 0) - 4.0) < 1e-14 && std::abs(J(0, 1) - 1.0) < 1e-14 &&
            std::abs(J(1, 0) - 5.0) < 1e-14 && std::abs(J(1, 1) - std::cos(2.0)) < 1e-14,
        "Jacobian of (x^2 y, 5x + sin y)");
}

// --- week 2: the Hessian, stationary points and their kind -------------------------------------

void hessian_and_eigenvalues() {
  heading("Week 2: the Hessian at a saddle and at a minimum");
  const ad::Function1 f = [](const ad::Var& v) {
    const ad::Var x = at(v, 0), y = at(v, 1);
    return ad::pow(x, 3.0) - 3.0 * x + ad::square(y) + x * y;
  };
  // Stationary points solve grad f = 0; the gradient itself is a differentiable function.
  const ad::Function1 gradient = [&f](const ad::Var& v) {
    return ad::grad(f(v), {v}, {.create_graph = true})[0];
  };
  std::cout << "f(x, y) = x^3 - 3x + y^2 + xy. Its stationary points (grad f = 0, found by\n"
               "Newton's method on the gradient) and the Hessian's eigenvalues there:\n\n";
  for (const ad::Tensor& start : {ad::Tensor{1.0, -0.5}, ad::Tensor{-1.0, 0.5}}) {
    const ad::NewtonResult r = ad::newton_raphson(gradient, start);
    const ad::Tensor H = ad::hessian(f, r.x);
    const ad::Tensor eig = xt::linalg::eigvalsh(H);  // ascending
    const bool minimum = eig(0) > 0.0, maximum = eig(1) < 0.0;
    const std::string kind = minimum ? "a minimum" : maximum ? "a maximum" : "a saddle";
    std::cout << "  from " << vector_text(start, 1) << ": (x, y) = " << vector_text(r.x)
              << ", f = " << fixed(value_at(f, r.x)) << "\n";
    print_matrix("H", H);
    std::cout << "  eigenvalues " << vector_text(eig) << " -> " << kind << "\n\n";
    check(r.converged, "Newton found a stationary point");
    check(start(0) > 0 ? minimum : (!minimum && !maximum), "kind of the stationary point");
  }
  std::cout << "All eigenvalues positive: the surface curves up in every direction (minimum).\n"
               "Mixed signs: up along one eigenvector, down along the other (saddle).\n";
}

// --- week 3: the multivariate chain rule ------------------------------------------------------

void chain_rule() {
  heading("Week 3: the multivariate chain rule through a neuron");
  // One sigmoid neuron: z = w . x + b, a = sigma(z), cost C = (a - y)^2.
  const ad::Tensor x{0.5, -1.0};
  const double y = 1.0;
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var w = ad::variable(ad::Tensor{0.3, 0.8});
  const ad::Var b = ad::variable(ad::Tensor(0.1));
  const ad::Var z = ad::sum(w * ad::constant(x)) + b;
  const ad::Var a = ad::sigmoid(z);
  const ad::Var C = ad::square(a - y);
  const std::vector<ad::Var> autodiff = ad::grad(C, {w, b});

  // By hand, the product of the links: dC/dw = dC/da . da/dz . dz/dw, and the same for b.
  const double av = a.item(), zv = z.item();
  const double dC_da = 2.0 * (av - y);
  const double da_dz = av * (1.0 - av);        // sigma'(z) = sigma(z) (1 - sigma(z))
  const ad::Tensor dC_dw = dC_da * da_dz * x;  // dz/dw = x
  const double dC_db = dC_da * da_dz;          // dz/db = 1
  std::cout << "A neuron z = w . x + b, a = sigma(z), C = (a - y)^2 with w = (0.3, 0.8),\n"
               "b = 0.1, x = (0.5, -1), y = 1. The chain rule multiplies the links:\n"
            << "  z = " << fixed(zv) << ", a = " << fixed(av) << "\n"
            << "  dC/da = 2(a - y) = " << fixed(dC_da) << ", da/dz = a(1 - a) = " << fixed(da_dz)
            << "\n"
            << "  dC/dw = dC/da . da/dz . x = " << vector_text(dC_dw) << " by hand\n"
            << "                            = " << vector_text(autodiff[0].value())
            << " by autodiff\n"
            << "  dC/db = dC/da . da/dz     = " << fixed(dC_db) << " by hand\n"
            << "                            = " << fixed(autodiff[1].item()) << " by autodiff\n\n"
            << "Backpropagation is this product taken from the cost backwards, one Jacobian per\n"
               "link, for every layer of a network (examples/backprop_curve).\n";
  check(xt::allclose(autodiff[0].value(), dC_dw, 1e-14, 1e-15) &&
            std::abs(autodiff[1].item() - dC_db) < 1e-15,
        "autodiff's gradient is the chain rule's product");
}

// --- week 5: Newton-Raphson --------------------------------------------------------------------

void newton() {
  heading("Week 5: Newton-Raphson");
  const ad::Function1 f = [](const ad::Var& x) { return ad::pow(x, 3.0) - 2.0 * x + 2.0; };
  std::cout << "Root of f(x) = x^3 - 2x + 2 by x <- x - f(x) / f'(x), from x0 = -2:\n\n"
            << "   k                  x_k                f(x_k)\n";
  const ad::NewtonResult r = ad::newton_raphson(f, -2.0);
  for (std::size_t k = 0; k < r.history.size(); ++k) {
    std::cout << "  " << std::setw(2) << k << "  " << std::setw(19) << fixed(r.history[k](), 15)
              << "  " << std::setw(20) << sci(value_at(f, r.history[k])) << "\n";
  }
  std::cout << "\n  " << r.message << " [" << r.status << "]\n"
            << "  The number of correct digits roughly doubles each step.\n\n";
  check(r.converged && std::abs(r.x() + 1.7692923542386314) < 1e-12,
        "Newton converges to -1.7693 from -2");

  const ad::NewtonResult cycle = ad::newton_raphson(f, 0.0, {.max_iterations = 6});
  std::cout << "From x0 = 0 the iteration never settles:";
  for (const ad::Tensor& x : cycle.history) std::cout << " " << x();
  std::cout << " ...\n  " << cycle.message << " [" << cycle.status << "]\n"
            << "  (f(0) = 2, f'(0) = -2 sends 0 to 1; f(1) = 1, f'(1) = 1 sends 1 back to 0.)\n\n";
  check(cycle.status == ad::NewtonStatus::max_iterations, "Newton cycles from 0");

  const ad::NewtonResult flat =
      ad::newton_raphson([](const ad::Var& x) { return ad::square(x) - 1.0; }, 0.0);
  std::cout << "For x^2 - 1 from x0 = 0 the tangent is flat: " << flat.status << " ("
            << flat.message << ").\n";
  check(flat.status == ad::NewtonStatus::singular_jacobian, "flat tangent is reported");
}

// --- week 5: Lagrange multipliers --------------------------------------------------------------

void lagrange() {
  heading("Week 5: Lagrange multipliers");
  const ad::Function1 f = [](const ad::Var& v) { return ad::square(at(v, 0)) * at(v, 1); };
  const ad::Function1 g = [](const ad::Var& v) { return ad::sum(ad::square(v)) - 1.0; };
  std::cout << "Extremise f(x, y) = x^2 y on the circle g(x, y) = x^2 + y^2 - 1 = 0.\n"
               "At an extremum grad f = lambda grad g: solve that and g = 0 together by Newton's\n"
               "method on the gradient of the Lagrangian L = f - lambda g.\n\n";
  const double best = 2.0 / (3.0 * std::sqrt(3.0));
  for (const ad::Tensor& start : {ad::Tensor{0.8, 0.5}, ad::Tensor{-0.8, -0.5}}) {
    const ad::LagrangeResult r = ad::lagrange_multipliers(f, g, start);
    std::cout << "  from " << vector_text(start, 1) << ": (x, y) = " << vector_text(r.x)
              << ", lambda = " << fixed(r.lambda(0)) << ", f = " << fixed(r.value) << " ("
              << r.iterations << " Newton steps): the " << (r.value > 0 ? "maximum" : "minimum")
              << "\n";
    check(r.converged && std::abs(std::abs(r.value) - best) < 1e-12, "Lagrange stationary point");
  }
  std::cout << "\nBy hand: x = +-sqrt(2/3) = +-" << fixed(std::sqrt(2.0 / 3.0))
            << ", y = +-1/sqrt(3) = +-" << fixed(1.0 / std::sqrt(3.0))
            << ", f = +-2/(3 sqrt 3) = +-" << fixed(best) << ".\n";
}

// --- week 4: Taylor approximations -------------------------------------------------------------

ad::Var taylor_example(const ad::Var& v) {
  return ad::exp(0.5 * at(v, 0)) * ad::cos(at(v, 1)) + at(v, 0) * ad::square(at(v, 1));
}

TaylorErrors taylor_errors(const ad::TaylorModel& t, const ad::Tensor& direction,
                           const std::vector<double>& steps) {
  TaylorErrors e;
  e.steps = steps;
  for (double h : steps) {
    const ad::Tensor p = t.point + h * direction;
    const double exact = value_at(taylor_example, p);
    for (int order = 0; order <= 2; ++order) {
      e.error[order].push_back(std::abs(exact - t.evaluate(p, order)));
    }
  }
  return e;
}

TaylorErrors taylor() {
  heading("Week 4: Taylor approximations");
  const ad::Tensor a{0.5, 0.3};
  const ad::Tensor direction{0.6, 0.8};
  const ad::TaylorModel t = ad::taylor(taylor_example, a);
  std::cout << "f(x, y) = e^(x/2) cos y + x y^2 around a = (0.5, 0.3):\n"
            << "  T(a + d) = f(a) + grad f(a) . d + 1/2 d^T H(a) d, with\n"
            << "  f(a) = " << fixed(t.value) << ", grad f(a) = " << vector_text(t.gradient)
            << ",\n";
  print_matrix("H(a)", t.hessian);
  std::cout << "\nError |f - T| at a + h (0.6, 0.8) for orders 0, 1 and 2; halving h divides\n"
               "them by about 2, 4 and 8 (the error of order n shrinks like h^(n+1)):\n\n"
               "         h      order 0      order 1      order 2   ratio(2)\n";
  std::vector<double> steps;
  for (int k = 0; k <= 8; ++k) steps.push_back(std::ldexp(1.0, -k));
  const TaylorErrors e = taylor_errors(t, direction, steps);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::cout << "  " << std::setw(8) << fixed(steps[i], 5);
    for (int order = 0; order <= 2; ++order) {
      std::cout << "  " << std::setw(11) << sci(e.error[order][i]);
    }
    if (i > 0) std::cout << "  " << std::setw(9) << fixed(e.error[2][i - 1] / e.error[2][i], 2);
    std::cout << "\n";
  }
  const double last_ratio = e.error[2][steps.size() - 2] / e.error[2].back();
  check(std::abs(last_ratio - 8.0) < 0.5, "second-order error shrinks like h^3");

  std::vector<double> fine;
  for (int k = 0; k <= 30; ++k) fine.push_back(std::pow(10.0, -3.0 + 0.1 * k));
  return taylor_errors(t, direction, fine);
}

}  // namespace

void check(bool ok, const std::string& claim) {
  ++checks_run;
  if (!ok) {
    ++checks_failed;
    std::cout << "  !! check failed: " << claim << "\n";
  }
}

int checks() { return checks_run; }

int failed_checks() { return checks_failed; }

ad::Var at(const ad::Var& v, std::size_t i) { return ad::slice(v, 0, i, i + 1); }

double value_at(const ad::Function1& f, const ad::Tensor& x) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  return f(ad::constant(x)).item();
}

TaylorErrors print_tour() {
  std::cout << "A tour of a multivariate calculus course with chainrule\n"
               "(every derivative below is computed by reverse-mode automatic differentiation)\n";
  rise_over_run();
  gradient_and_jacobian();
  hessian_and_eigenvalues();
  chain_rule();
  TaylorErrors errors = taylor();
  newton();
  lagrange();
  return errors;
}

}  // namespace tour
