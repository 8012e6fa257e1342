// One function per figure. Each states its mathematics first, takes every derivative from
// chainrule, checks what the figure claims, and hands the drawing to plot::Figure.
#include "figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xadapt.hpp>

#include <chainrule/autodiff/graph.hpp>

#include "plot.hpp"

namespace tour {

namespace {

namespace fs = std::filesystem;
namespace plot = chainrule::plot;

// Image sizes in pixels: two panels side by side, or one (the tests check these).
constexpr int two_panels_width = 1200, two_panels_height = 520;
constexpr int one_panel_width = 760, one_panel_height = 700;

// --- helpers ---------------------------------------------------------------------------------

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::vector<double> linspace(double from, double to, std::size_t n) {
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = from + (to - from) * double(i) / double(n - 1);
  return out;
}

std::vector<double> logspace(double from_exponent, double to_exponent, std::size_t n) {
  std::vector<double> out = linspace(from_exponent, to_exponent, n);
  for (double& v : out) v = std::pow(10.0, v);
  return out;
}

std::vector<double> to_vector(const ad::Tensor& t) { return {t.begin(), t.end()}; }

// f (an elementwise function) at every x at once: one recording on a throw-away tape.
std::vector<double> values(const ad::Function1& f, const std::vector<double>& x) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  return to_vector(f(ad::constant(ad::Tensor(xt::adapt(x)))).value());
}

// f(a), f'(a), f''(a), ... up to the `highest` derivative: each derivative is recorded
// (create_graph), so reverse mode can differentiate it again.
std::vector<double> derivatives(const ad::Function1& f, double a, int highest) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(ad::Tensor(a));
  ad::Var d = f(x);
  std::vector<double> out{d.item()};
  for (int k = 1; k <= highest; ++k) {
    d = ad::grad(d, {x}, {.create_graph = true})[0];
    out.push_back(d.item());
  }
  return out;
}

// f(x) as a tensor (for f with more than one output element).
ad::Tensor evaluate(const ad::Function1& f, const ad::Tensor& x) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  return f(ad::constant(x)).value();
}

// ∇f(p) for f of a point (a 1-D tensor) with one-element value.
ad::Tensor gradient_at(const ad::Function1& f, const ad::Tensor& p) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(p);
  return ad::grad(f(x), {x})[0].value();
}

plot::Colour mix(plot::Colour a, plot::Colour b, double t) {
  auto channel = [t](int u, int v) { return static_cast<int>(std::lround(u + (v - u) * t)); };
  return {channel(a.red, b.red), channel(a.green, b.green), channel(a.blue, b.blue), 1.0};
}

// --- week 1: rise over run -------------------------------------------------------------------

// The slope of a secant, rise over run (f(a + h) − f(a)) / h, tends to the tangent's slope
// f'(a) as the run h shrinks; its error is about h·f''(a)/2 until rounding takes over.
void rise_over_run_figure(const fs::path& dir, const Wrote& wrote) {
  const ad::Function1 f = [](const ad::Var& x) { return ad::exp(x) * ad::sin(x); };
  const double a = 1.0;
  const std::vector<double> d = derivatives(f, a, 2);  // f(a), f'(a), f''(a)
  const auto rise_over_run = [&](double h) { return (value_at(f, ad::Tensor(a + h)) - d[0]) / h; };

  const double x_lo = -1.0, x_hi = 2.7;
  plot::Figure secants("Secants approach the tangent at x = 1", "x", "f(x) = eˣ sin x");
  secants.limits(x_lo, x_hi, -5.0, 13.0);
  const std::vector<double> xs = linspace(x_lo, x_hi, 300);
  secants.line(xs, values(f, xs), plot::black, 2.5);
  const std::vector<double> runs{1.0, 0.5, 0.25, 0.1};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const double h = runs[i], slope = rise_over_run(h);
    const plot::Colour colour = plot::faded(plot::blue, 0.3 + 0.2 * double(i));
    secants.line({x_lo, x_hi}, {d[0] + slope * (x_lo - a), d[0] + slope * (x_hi - a)}, colour, 1.5);
    secants.markers({a + h}, {d[0] + slope * h}, colour, 1.3);
    secants.legend("h = " + format("%g", h) + ":  rise/run = " + format("%.4f", slope), colour);
  }
  secants.line({x_lo, x_hi}, {d[0] + d[1] * (x_lo - a), d[0] + d[1] * (x_hi - a)}, plot::red, 2.0);
  secants.markers({a}, {d[0]}, plot::black, 1.5);
  secants.legend("tangent: f'(1) = " + format("%.4f", d[1]) + " (autodiff)", plot::red);
  secants.legend_corner(plot::Corner::top_left);

  plot::Figure errors("Error of rise over run", "run h", "|rise/run − f'(1)|");
  errors.log_scale(true, true);
  errors.grid();
  const std::vector<double> hs = logspace(-12.0, 0.0, 97);
  std::vector<double> measured, bending;
  for (double h : hs) {
    measured.push_back(std::abs(rise_over_run(h) - d[1]));
    bending.push_back(h * std::abs(d[2]) / 2);
  }
  errors.line(hs, measured, plot::blue, 2.0);
  errors.dashed_line(hs, bending, plot::grey, 1.5);
  errors.legend("measured", plot::blue);
  errors.legend("h·f''(1)/2: the curve bends", plot::grey);
  errors.legend_corner(plot::Corner::bottom_right);

  const double h = 1e-4;
  check(std::abs(std::abs(rise_over_run(h) - d[1]) / (h * std::abs(d[2]) / 2) - 1) < 0.01,
        "the secant's error is h f''/2 for small h");
  const std::string file = (dir / "week1_rise_over_run.png").string();
  plot::save_side_by_side(file, {&secants, &errors}, two_panels_width, two_panels_height);
  wrote(file, "rise over run: secants converging to the tangent, and their error (week 1)");
}

// --- weeks 2–3: the sandpit ------------------------------------------------------------------

// A function of two variables written elementwise: called with grids of x and y values it
// gives the grid of f values.
using Function2 = std::function<ad::Var(const ad::Var& x, const ad::Var& y)>;

// Himmelblau's function: four pits of depth 0.
ad::Var sandpit(const ad::Var& x, const ad::Var& y) {
  return ad::square(ad::square(x) + y - 11.0) + ad::square(x + ad::square(y) - 7.0);
}

struct Survey {
  std::vector<std::vector<double>> value, slope_x, slope_y;  // [i][j] at (xs[j], ys[i])
};

// f and its gradient at every point of the grid xs × ys. As f is elementwise, the gradient of
// Σ f with respect to the grid of x values holds ∂f/∂x at each point (and so for y): one
// reverse sweep for the whole grid.
Survey survey(const Function2& f, const std::vector<double>& xs, const std::vector<double>& ys) {
  ad::Tensor x_grid = ad::Tensor::from_shape({ys.size(), xs.size()}), y_grid = x_grid;
  for (std::size_t i = 0; i < ys.size(); ++i) {
    for (std::size_t j = 0; j < xs.size(); ++j) x_grid(i, j) = xs[j], y_grid(i, j) = ys[i];
  }
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(x_grid), y = ad::variable(y_grid);
  const ad::Var value = f(x, y);
  const std::vector<ad::Var> slope = ad::grad(ad::sum(value), {x, y});
  const auto rows = [&](const ad::Tensor& t) {
    std::vector<std::vector<double>> out(ys.size());
    for (std::size_t i = 0; i < ys.size(); ++i) out[i].assign(&t(i, 0), &t(i, 0) + xs.size());
    return out;
  };
  return {rows(value.value()), rows(slope[0].value()), rows(slope[1].value())};
}

// The course's sandpit strategy: always step downhill, x ← x − γ ∇f(x).
std::vector<ad::Tensor> steepest_descent(const ad::Function1& f, ad::Tensor x, double aggression,
                                         std::size_t max_steps) {
  std::vector<ad::Tensor> path{x};
  for (std::size_t k = 0; k < max_steps; ++k) {
    const ad::Tensor g = gradient_at(f, x);
    if (xt::amax(xt::abs(g))() < 1e-9) break;
    x = x - aggression * g;
    path.push_back(x);
  }
  return path;
}

void sandpit_figure(const fs::path& dir, const Wrote& wrote) {
  const ad::Function1 f = [](const ad::Var& p) { return sandpit(at(p, 0), at(p, 1)); };
  const double aggression = 0.01;
  plot::Figure figure("The sandpit: steepest descent on (x² + y − 11)² + (x + y² − 7)²", "x", "y");
  figure.limits(-5.0, 5.0, -5.0, 5.0);
  figure.equal_scales();

  const std::vector<double> fine = linspace(-5.0, 5.0, 161);
  const std::vector<std::vector<double>> depth = survey(sandpit, fine, fine).value;
  const std::vector<double> levels{0.5, 4, 15, 40, 90, 170, 300, 500};
  const plot::Colour deep{30, 50, 120}, shallow{170, 210, 235};
  for (std::size_t k = 0; k < levels.size(); ++k) {
    figure.contours(fine, fine, depth, {levels[k]}, mix(deep, shallow, double(k) / levels.size()));
  }

  // Downhill, −∇f, on a coarse grid; all arrows the same length, so they show direction.
  const std::vector<double> coarse = linspace(-4.5, 4.5, 11);
  const Survey arrows = survey(sandpit, coarse, coarse);
  std::vector<double> ax, ay, adx, ady;
  for (std::size_t i = 0; i < coarse.size(); ++i) {
    for (std::size_t j = 0; j < coarse.size(); ++j) {
      const double gx = arrows.slope_x[i][j], gy = arrows.slope_y[i][j];
      const double length = std::hypot(gx, gy);
      if (length == 0) continue;
      ax.push_back(coarse[j]);
      ay.push_back(coarse[i]);
      adx.push_back(-0.5 * gx / length);
      ady.push_back(-0.5 * gy / length);
    }
  }
  figure.arrows(ax, ay, adx, ady, plot::grey, 1.2);
  figure.legend("−∇f (direction only)", plot::grey);

  const std::vector<ad::Tensor> starts{{0.0, -0.5}, {-0.5, 0.3}, {-0.2, -0.9}, {-0.9, -1.4}};
  const std::vector<plot::Colour> colours{plot::red, plot::orange, plot::purple, plot::brown};
  for (std::size_t s = 0; s < starts.size(); ++s) {
    const std::vector<ad::Tensor> path = steepest_descent(f, starts[s], aggression, 500);
    std::vector<double> px, py;
    for (const ad::Tensor& p : path) px.push_back(p(0)), py.push_back(p(1));
    figure.line(px, py, colours[s], 2.0);
    figure.markers(px, py, colours[s], 0.5);
    figure.markers({px.front()}, {py.front()}, plot::green, 1.5);
    figure.markers({px.back()}, {py.back()}, plot::black, 1.5);
    // Where the descent stops the gradient is zero and the Hessian positive definite: a pit.
    const ad::Tensor H = ad::hessian(f, path.back());
    check(xt::amax(xt::abs(gradient_at(f, path.back())))() < 1e-6 && H(0, 0) > 0 &&
              H(0, 0) * H(1, 1) - H(0, 1) * H(1, 0) > 0,
          "steepest descent ends in a pit of the sandpit");
  }
  figure.legend("x ← x − " + format("%g", aggression) + " ∇f(x)", plot::red);
  figure.legend("start", plot::green);
  figure.legend("end: ∇f = 0, H positive definite", plot::black);

  const std::string file = (dir / "weeks2-3_sandpit.png").string();
  figure.save(file, one_panel_width, one_panel_height);
  wrote(file,
        "the sandpit: contours of a 2-D function, gradient arrows and steepest-descent paths "
        "(weeks 2-3)");
}

// --- week 3: the network's computation graph -------------------------------------------------

// A 2-3-1 sigmoid network on a batch of four examples and its cost, recorded on a tape:
// a1 = σ(W1·a0 + b1), a2 = σ(W2·a1 + b2), C = Σ(a2 − y)²/N. Backpropagation walks this graph
// from C back to W1, b1, W2 and b2, applying the multivariate chain rule at every node.
void computation_graph_figure(const fs::path& dir, const Wrote& wrote) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var a0 = ad::constant(ad::Tensor{{0.0, 0.5, 1.0, 1.5}, {1.0, -0.5, 0.2, 0.8}});
  const ad::Var y = ad::constant(ad::Tensor{{1.0, 0.0, 1.0, 0.0}});
  // Parameters carry the course's names into the graph's labels.
  const ad::Parameter W1(ad::Tensor{{0.5, -1.0}, {2.0, 0.25}, {-0.3, 0.8}}, "W1");
  const ad::Parameter b1(ad::column({0.1, -0.2, 0.0}), "b1");
  const ad::Parameter W2(ad::Tensor{{1.0, -0.5, 0.7}}, "W2");
  const ad::Parameter b2(ad::column({0.05}), "b2");
  const ad::Var a1 = ad::sigmoid(ad::matmul(W1.var(), a0) + b1.var());
  const ad::Var a2 = ad::sigmoid(ad::matmul(W2.var(), a1) + b2.var());
  const ad::Var C = ad::sum(ad::square(a2 - y)) / 4.0;

  const ad::ComputationGraph graph = ad::graph(C);
  std::size_t leaves = 0;
  std::size_t named = 0;
  for (const ad::GraphVertex v : boost::make_iterator_range(boost::vertices(graph))) {
    leaves += graph[v].is_leaf ? 1 : 0;
    for (const char* name : {"W1", "b1", "W2", "b2"}) named += graph[v].op == name ? 1 : 0;
  }
  check(leaves == 6, "the cost's graph starts from a0, y, W1, b1, W2 and b2");
  check(named == 4, "the graph labels the parameters W1, b1, W2 and b2 by name");

  const std::string dot_file = (dir / "week3_computation_graph.dot").string();
  {
    std::ofstream out(dot_file);
    ad::write_dot(out, graph);
    if (!out.flush()) throw std::runtime_error("cannot write '" + dot_file + "'");
  }
  wrote(dot_file, "the network's computation graph as Graphviz DOT text (week 3)");
  const fs::path dot = plot::find_on_path("dot");
  const std::string png_file = (dir / "week3_computation_graph.png").string();
  if (dot.empty()) {
    std::cout << "  graphviz's dot is not on PATH, so the graph is not drawn; draw it with\n"
              << "  dot -Tpng '" << dot_file << "' -o '" << png_file << "'\n";
    return;
  }
  plot::render_dot(dot, dot_file, png_file, /*left_to_right=*/true);
  wrote(png_file,
        "a small network's computation graph, C = Σ(a2 − y)²/N back to W1, b1, W2, b2 "
        "(week 3, drawn by graphviz from the DOT export)");
}

// --- week 4: Taylor series -------------------------------------------------------------------

// T_n(x) = Σ_{k ≤ n} f⁽ᵏ⁾(a) (x − a)ᵏ / k!, from d = (f(a), f'(a), f''(a), ...).
double taylor_polynomial(const std::vector<double>& d, double a, int order, double x) {
  double sum = 0.0, term = 1.0;  // term = (x − a)ᵏ / k!
  for (int k = 0; k <= order; ++k) {
    sum += d[static_cast<std::size_t>(k)] * term;
    term *= (x - a) / (k + 1);
  }
  return sum;
}

void taylor_figure(const fs::path& dir, const Wrote& wrote) {
  const ad::Function1 f = [](const ad::Var& x) { return ad::exp(0.5 * x) * ad::cos(x); };
  const double a = 0.5;
  const int highest = 5;
  const std::vector<double> d = derivatives(f, a, highest);  // f(a), f'(a), ..., f⁽⁵⁾(a)
  const ad::TaylorModel model = ad::taylor(f, a);            // the library's order-2 model
  check(std::abs(model.value - d[0]) < 1e-14 && std::abs(model.gradient.data()[0] - d[1]) < 1e-14 &&
            std::abs(model.hessian.data()[0] - d[2]) < 1e-12,
        "repeated ad::grad agrees with ad::taylor up to order 2");

  const std::vector<plot::Colour> colours{{230, 159, 0}, {86, 180, 233}, {0, 158, 115},
                                          {213, 94, 0},  {0, 114, 178},  {204, 121, 167}};
  plot::Figure polynomials("Taylor polynomials about a = 0.5", "x",
                           "f(x) = e^(x/2) cos x and T_n(x)");
  const double x_lo = -2.5, x_hi = 3.5;
  polynomials.limits(x_lo, x_hi, -6.5, 9.0);
  const std::vector<double> xs = linspace(x_lo, x_hi, 400);
  polynomials.line(xs, values(f, xs), plot::black, 3.0);
  polynomials.legend("f", plot::black);
  for (int n = 0; n <= highest; ++n) {
    std::vector<double> tn;
    for (double x : xs) tn.push_back(taylor_polynomial(d, a, n, x));
    polynomials.line(xs, tn, colours[static_cast<std::size_t>(n)], 1.8);
    polynomials.legend("T" + std::to_string(n), colours[static_cast<std::size_t>(n)]);
  }
  polynomials.markers({a}, {d[0]}, plot::black, 1.5);
  polynomials.legend_corner(plot::Corner::top_right);

  // The error of order n shrinks like h^(n+1): a line of slope n + 1 on log-log axes.
  plot::Figure errors("Error |f(a + h) − T_n(a + h)|", "step h", "error");
  errors.log_scale(true, true);
  errors.grid();
  const std::vector<double> hs = logspace(-2.0, 0.3, 60);
  for (int n = 0; n <= 4; ++n) {
    std::vector<double> error;
    for (double h : hs) {
      const double e = std::abs(value_at(f, ad::Tensor(a + h)) - taylor_polynomial(d, a, n, a + h));
      error.push_back(e > 1e-14 ? e : NAN);  // below that it is rounding, not the series
    }
    const auto un = static_cast<std::size_t>(n);
    errors.line(hs, error, colours[un], 2.0);
    errors.legend("order " + std::to_string(n) + ": slope " + std::to_string(n + 1), colours[un]);
    const double slope = std::log(error[10] / error[0]) / std::log(hs[10] / hs[0]);
    check(std::abs(slope - (n + 1)) < 0.2, "Taylor error of order n shrinks like h^(n+1)");
  }
  errors.legend_corner(plot::Corner::bottom_right);

  const std::string file = (dir / "week4_taylor_series.png").string();
  plot::save_side_by_side(file, {&polynomials, &errors}, two_panels_width, two_panels_height);
  wrote(file,
        "Taylor polynomials of increasing order against the function, and their error "
        "(week 4)");
}

// --- week 5: Newton–Raphson --------------------------------------------------------------------

struct Box {
  double x_lo, x_hi, y_lo, y_hi;
};

// From x_k follow the tangent down to zero: x_{k+1} = x_k − f(x_k) / f'(x_k).
plot::Figure newton_panel(const ad::Function1& f, double x0, std::size_t max_iterations,
                          const Box& box, const std::string& title) {
  const ad::NewtonResult r = ad::newton_raphson(f, x0, {.max_iterations = max_iterations});
  plot::Figure figure(title, "x", "f(x) = x³ − 2x + 2");
  figure.limits(box.x_lo, box.x_hi, box.y_lo, box.y_hi);
  figure.line({box.x_lo, box.x_hi}, {0.0, 0.0}, plot::grey, 1.0);
  const std::vector<double> xs = linspace(box.x_lo, box.x_hi, 300);
  figure.line(xs, values(f, xs), plot::black, 2.5);
  std::vector<double> labelled;
  for (std::size_t k = 0; k + 1 < r.history.size(); ++k) {
    const double x = r.history[k](), next = r.history[k + 1]();
    const std::vector<double> d = derivatives(f, x, 1);  // f(x_k), f'(x_k)
    check(std::abs(x - d[0] / d[1] - next) <= 1e-12 * (1 + std::abs(next)),
          "each Newton step lands where the tangent crosses zero");
    figure.line({x, next}, {d[0], 0.0}, plot::red, 2.0);
    figure.dashed_line({next, next}, {0.0, value_at(f, ad::Tensor(next))}, plot::grey, 1.2);
    figure.markers({x}, {d[0]}, plot::red, 1.3);
    const bool crowded = std::any_of(labelled.begin(), labelled.end(), [&](double seen) {
      return std::abs(seen - x) < 0.06 * (box.x_hi - box.x_lo);
    });
    if (!crowded) {
      figure.text(x, d[0] + 0.04 * (box.y_hi - box.y_lo), " x" + std::to_string(k), plot::red);
      labelled.push_back(x);
    }
  }
  figure.legend("x_k+1 = x_k − f(x_k) / f'(x_k)", plot::red);
  figure.legend(std::string("ended: ") + ad::to_string(r.status) + " after " +
                    std::to_string(r.iterations) + " steps",
                plot::grey);
  figure.legend_corner(plot::Corner::bottom_right);
  return figure;
}

void newton_raphson_figure(const fs::path& dir, const Wrote& wrote) {
  const ad::Function1 f = [](const ad::Var& x) { return ad::pow(x, 3.0) - 2.0 * x + 2.0; };
  const plot::Figure converges =
      newton_panel(f, -3.0, 50, {-3.3, 1.8, -22.0, 6.0}, "From x0 = −3 to the root −1.7693");
  const plot::Figure cycles =
      newton_panel(f, 0.0, 4, {-2.2, 1.8, -3.0, 6.0}, "From x0 = 0: 0 → 1 → 0 → …, a cycle");
  check(
      ad::newton_raphson(f, 0.0, {.max_iterations = 4}).status == ad::NewtonStatus::max_iterations,
      "Newton cycles from 0");
  const std::string file = (dir / "week5_newton_raphson.png").string();
  plot::save_side_by_side(file, {&converges, &cycles}, two_panels_width, two_panels_height);
  wrote(file, "Newton-Raphson's tangent steps to a root, and a start where it cycles (week 5)");
}

// --- week 5: Lagrange multipliers --------------------------------------------------------------

// Extremise f(x, y) = x²y on the circle g = x² + y² − 1 = 0: at the solution ∇f = λ∇g, so
// the level set of f through it touches the circle there.
ad::Var lagrange_objective(const ad::Var& x, const ad::Var& y) { return ad::square(x) * y; }
ad::Var lagrange_constraint(const ad::Var& x, const ad::Var& y) {
  return ad::square(x) + ad::square(y) - 1.0;
}

void lagrange_figure(const fs::path& dir, const Wrote& wrote) {
  const ad::Function1 f = [](const ad::Var& p) { return lagrange_objective(at(p, 0), at(p, 1)); };
  const ad::Function1 g = [](const ad::Var& p) { return lagrange_constraint(at(p, 0), at(p, 1)); };
  const double best = 2.0 / (3.0 * std::sqrt(3.0));

  plot::Figure figure("Lagrange multipliers: extremes of x²y on the unit circle", "x", "y");
  figure.limits(-1.6, 1.6, -1.6, 1.6);
  figure.equal_scales();
  const std::vector<double> grid = linspace(-1.6, 1.6, 161);
  const std::vector<std::vector<double>> heights = survey(lagrange_objective, grid, grid).value;
  for (double level : {0.05, 0.15, 0.7, 1.2, 1.8}) {
    figure.contours(grid, grid, heights, {level}, plot::faded(plot::blue, 0.6));
    figure.contours(grid, grid, heights, {-level}, plot::faded(plot::orange, 0.7));
  }
  figure.contours(grid, grid, heights, {best, -best}, plot::red, 2.5);
  const std::vector<double> angles = linspace(0.0, 2.0 * std::numbers::pi, 200);
  std::vector<double> cx, cy;
  for (double t : angles) cx.push_back(std::cos(t)), cy.push_back(std::sin(t));
  figure.line(cx, cy, plot::black, 2.5);

  for (const ad::Tensor& start : {ad::Tensor{0.8, 0.5}, ad::Tensor{-0.8, 0.5},
                                  ad::Tensor{0.8, -0.5}, ad::Tensor{-0.8, -0.5}}) {
    const ad::LagrangeResult r = ad::lagrange_multipliers(f, g, start);
    const ad::Tensor grad_f = gradient_at(f, r.x), grad_g = gradient_at(g, r.x);
    check(r.converged && std::abs(std::abs(r.value) - best) < 1e-12 &&
              xt::amax(xt::abs(grad_f - r.lambda(0) * grad_g))() < 1e-10,
          "at the Lagrange solution grad f = lambda grad g");
    const double x = r.x(0), y = r.x(1);
    const double nf = std::hypot(grad_f(0), grad_f(1)), ng = std::hypot(grad_g(0), grad_g(1));
    figure.arrows({x}, {y}, {0.45 * grad_g(0) / ng}, {0.45 * grad_g(1) / ng}, plot::black, 1.5);
    figure.arrows({x}, {y}, {0.3 * grad_f(0) / nf}, {0.3 * grad_f(1) / nf}, plot::red, 2.0);
    figure.markers({x}, {y}, plot::red, 1.6);
    figure.text(x + (x > 0 ? 0.05 : -0.75), y + (y > 0 ? -0.2 : 0.15),
                "λ = " + format("%.3f", r.lambda(0)), plot::black);
  }
  figure.legend("g = x² + y² − 1 = 0 and ∇g", plot::black);
  figure.legend("f = ±2/(3√3), touching it; ∇f", plot::red);
  figure.legend("f = x²y > 0", plot::blue);
  figure.legend("f = x²y < 0", plot::orange);

  const std::string file = (dir / "week5_lagrange_multipliers.png").string();
  figure.save(file, one_panel_width, one_panel_height);
  wrote(file,
        "Lagrange multipliers: the constraint circle tangent to a level set of f, "
        "∇f = λ∇g (week 5)");
}

// --- week 6: regression ------------------------------------------------------------------------

// Gaussian noise from std::mt19937 (whose output the C++ standard fixes) by Box-Muller, so the
// data are the same on every machine.
std::vector<double> noise(std::size_t n, double sigma, unsigned seed) {
  std::mt19937 generator(seed);
  const auto uniform = [&] { return (generator() + 0.5) / 4294967296.0; };
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = uniform(), v = uniform();
    out.push_back(sigma * std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v));
  }
  return out;
}

struct Data {
  std::vector<double> x, y;
};

// Data, the fitted curve and a residual y_i − f(x_i) from every point to the curve.
void draw_fit(plot::Figure& figure, const Data& data, const std::vector<double>& fitted_at_data,
              const std::vector<double>& xs, const std::vector<double>& curve) {
  for (std::size_t i = 0; i < data.x.size(); ++i) {
    figure.line({data.x[i], data.x[i]}, {data.y[i], fitted_at_data[i]}, plot::grey, 1.5);
  }
  figure.line(xs, curve, plot::red, 2.5);
  figure.markers(data.x, data.y, plot::blue, 1.2);
}

// χ²(p) = Σ r_i(p)², a one-element Var, for residuals r(p) = y − f(x; p).
ad::Var chi2(const ad::Var& residuals) { return ad::sum(ad::square(residuals)); }

plot::Figure linear_regression_panel() {
  Data data{linspace(0.0, 10.0, 20), {}};
  const std::vector<double> e = noise(data.x.size(), 0.6, 7);
  for (std::size_t i = 0; i < data.x.size(); ++i) data.y.push_back(0.8 * data.x[i] + 1.5 + e[i]);
  const ad::Tensor x = xt::adapt(data.x), y = xt::adapt(data.y);

  // y ≈ m x + c: χ² is least where ∇χ² = 0, two linear equations Newton solves in one step.
  const auto residuals = [&](const ad::Var& p) {
    return ad::constant(y) - (at(p, 0) * ad::constant(x) + at(p, 1));
  };
  const ad::Function1 gradient = [&](const ad::Var& p) {
    return ad::grad(chi2(residuals(p)), {p}, {.create_graph = true})[0];
  };
  const ad::NewtonResult r = ad::newton_raphson(gradient, ad::Tensor{0.0, 0.0});
  const double m = r.x(0), c = r.x(1);
  // By hand (the normal equations): m = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², c = ȳ − m x̄.
  const double x_mean = xt::mean(x)(), y_mean = xt::mean(y)();
  const double m_hand = xt::sum((x - x_mean) * (y - y_mean))() / xt::sum(xt::square(x - x_mean))();
  check(r.converged && std::abs(m - m_hand) < 1e-10 &&
            std::abs(c - (y_mean - m_hand * x_mean)) < 1e-10,
        "linear regression by autodiff equals the normal equations");

  plot::Figure figure("Linear regression: y ≈ m x + c", "x", "y");
  std::vector<double> fitted;
  for (double xi : data.x) fitted.push_back(m * xi + c);
  draw_fit(figure, data, fitted, {0.0, 10.0}, {c, m * 10.0 + c});
  figure.note("m = " + format("%.4f", m) + ",  c = " + format("%.4f", c));
  figure.note("χ² = " +
              format("%.4f", value_at([&](const ad::Var& p) { return chi2(residuals(p)); }, r.x)));
  figure.legend("data", plot::blue);
  figure.legend("fit: ∇χ² = 0", plot::red);
  figure.legend("residuals", plot::grey);
  figure.legend_corner(plot::Corner::bottom_right);
  return figure;
}

// y ≈ A exp(−(x − μ)² / (2σ²)): Gauss-Newton, p ← p − (JᵀJ)⁻¹ Jᵀ r with J = ∂r/∂p by autodiff.
plot::Figure nonlinear_fit_panel() {
  Data data{linspace(0.0, 10.0, 30), {}};
  const std::vector<double> e = noise(data.x.size(), 0.15, 11);
  for (std::size_t i = 0; i < data.x.size(); ++i) {
    data.y.push_back(3.0 * std::exp(-std::pow(data.x[i] - 4.5, 2) / (2 * 1.3 * 1.3)) + e[i]);
  }
  const auto model = [](const ad::Var& p, const ad::Var& x) {
    return at(p, 0) * ad::exp(-ad::square(x - at(p, 1)) / (2.0 * ad::square(at(p, 2))));
  };
  const ad::Tensor x = xt::adapt(data.x), y = xt::adapt(data.y);
  const ad::Function1 residuals = [&](const ad::Var& p) {
    return ad::constant(y) - model(p, ad::constant(x));
  };

  const ad::Tensor start{2.0, 5.8, 2.5};
  ad::Tensor p = start;
  int steps = 0;
  for (; steps < 50; ++steps) {
    const ad::Tensor J = ad::jacobian(residuals, p);  // (N, 3)
    const ad::Tensor JT = xt::transpose(J);
    const ad::Tensor step =
        xt::linalg::solve(xt::linalg::dot(JT, J), xt::linalg::dot(JT, evaluate(residuals, p)));
    p = p - step;
    if (xt::amax(xt::abs(step))() < 1e-12 * (1 + xt::amax(xt::abs(p))())) break;
  }
  const ad::Function1 cost = [&](const ad::Var& q) { return chi2(residuals(q)); };
  check(xt::amax(xt::abs(gradient_at(cost, p)))() < 1e-8, "Gauss-Newton ends where grad chi2 = 0");

  plot::Figure figure("Non-linear least squares: a Gaussian", "x", "y ≈ A exp(−(x − μ)²/(2σ²))");
  figure.limits(0.0, 10.0, -0.5, 5.3);
  const std::vector<double> xs = linspace(0.0, 10.0, 300);
  const auto curve = [&](const ad::Tensor& q, const std::vector<double>& at_x) {
    return values([&](const ad::Var& v) { return model(ad::constant(q), v); }, at_x);
  };
  figure.dashed_line(xs, curve(start, xs), plot::orange, 1.5);
  draw_fit(figure, data, curve(p, data.x), xs, curve(p, xs));
  figure.note("A = " + format("%.4f", p(0)));
  figure.note("μ = " + format("%.4f", p(1)));
  figure.note("σ = " + format("%.4f", p(2)));
  figure.note("χ² = " + format("%.4f", value_at(cost, p)));
  figure.note(std::to_string(steps + 1) + " Gauss-Newton steps");
  figure.legend("data", plot::blue);
  figure.legend("start", plot::orange);
  figure.legend("fit", plot::red);
  figure.legend("residuals", plot::grey);
  return figure;
}

void regression_figure(const fs::path& dir, const Wrote& wrote) {
  const plot::Figure linear = linear_regression_panel();
  const plot::Figure nonlinear = nonlinear_fit_panel();
  const std::string file = (dir / "week6_regression.png").string();
  plot::save_side_by_side(file, {&linear, &nonlinear}, two_panels_width, two_panels_height);
  wrote(file, "a linear regression and a non-linear least-squares fit, with residuals (week 6)");
}

}  // namespace

void draw_gallery(const fs::path& dir, const Wrote& wrote) {
  rise_over_run_figure(dir, wrote);
  sandpit_figure(dir, wrote);
  computation_graph_figure(dir, wrote);
  taylor_figure(dir, wrote);
  newton_raphson_figure(dir, wrote);
  lagrange_figure(dir, wrote);
  regression_figure(dir, wrote);
}

void draw_taylor_error(const TaylorErrors& errors, const std::string& file) {
  plot::Figure figure("Taylor error against the step", "step h", "|f(a + h d) − T(a + h d)|");
  figure.log_scale(true, true);
  figure.grid();
  const plot::Colour colours[3] = {plot::red, plot::green, plot::blue};
  for (int order = 0; order <= 2; ++order) {
    figure.line(errors.steps, errors.error[order], colours[order], 2.0);
    figure.legend("order " + std::to_string(order) + ": slope " + std::to_string(order + 1),
                  colours[order]);
  }
  figure.legend_corner(plot::Corner::bottom_right);
  figure.save(file, 800, 600);
}

}  // namespace tour
