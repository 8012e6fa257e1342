// One function per figure. Each states its mathematics first, takes every derivative from
// chainrule, checks what the figure claims, and hands the drawing to plot::Figure.
#include "figures.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <xtensor/xadapt.hpp>

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

}  // namespace

void draw_gallery(const fs::path& dir, const Wrote& wrote) {
  rise_over_run_figure(dir, wrote);
  sandpit_figure(dir, wrote);
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
