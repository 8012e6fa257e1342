#include "report.hpp"

#include <plot.hpp>
#include <run_json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace chainrule::heights {
namespace {

std::string format(const char* spec, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, spec, v);
  return buffer;
}

nlohmann::json point_json(const Point& p) {
  return {{"iteration", p.step}, {"cost", p.chi2}, {"mu", p.mu}, {"sigma", p.sigma}};
}

// A colour between two, t ∈ [0, 1].
plot::Colour mix(plot::Colour a, plot::Colour b, double t) {
  const auto channel = [t](int x, int y) { return static_cast<int>(std::lround(x + t * (y - x))); };
  return {channel(a.red, b.red), channel(a.green, b.green), channel(a.blue, b.blue), 1.0};
}

std::string method_title(Method m) {
  switch (m) {
    case Method::steepest:
      return "steepest descent";
    case Method::gauss_newton:
      return "Gauss-Newton";
    case Method::levenberg_marquardt:
      return "Levenberg-Marquardt";
    case Method::newton:
      return "Newton";
    case Method::adam:
      return "Adam";
  }
  return "?";
}

std::string steps_text(const Fit& fit) {
  const std::size_t steps = fit.final().step;
  return std::to_string(steps) + (steps == 1 ? " step" : " steps");
}

}  // namespace

nlohmann::json to_json(const Fit& fit, const FitOptions& options, const std::string& data_file,
                       const Histogram& data) {
  nlohmann::json settings = {
      {"method", to_string(fit.method)},
      {"data",
       {{"file", data_file},
        {"bins", data.centres.size()},
        {"bin_width", data.bin_width},
        {"measurements", data.measurements}}},
      {"start", {{"mu", options.mu}, {"sigma", options.sigma}}},
      {"aggression", options.aggression},
      {"learning_rate", options.learning_rate},
      {"max_steps", options.steps.value_or(default_steps(options.method))},
      {"gradient_tolerance", options.tolerance.value_or(default_tolerance(options.method))}};
  nlohmann::json trajectory = nlohmann::json::array();
  for (const Point& p : fit.trajectory) trajectory.push_back(point_json(p));
  nlohmann::json final_point = point_json(fit.final());
  final_point["seconds"] = fit.seconds;
  final_point["gradient_norm"] = fit.gradient_norm;
  final_point["stop_reason"] = optim::to_string(fit.reason);
  final_point["converged"] = fit.converged;
  final_point["evaluations"] = fit.evaluations;
  return examples::run_json("fit_heights", std::move(settings), std::move(trajectory),
                            std::move(final_point),
                            {{"mu", fit.final().mu}, {"sigma", fit.final().sigma}});
}

void plot_fit(const std::string& file, const Histogram& data, const Fit& fit) {
  const Point& start = fit.trajectory.front();
  const Point& end = fit.final();
  const double w = data.bin_width;

  // x: the occupied bins and both Gaussians' ±3σ.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, top = 0.0;
  for (std::size_t i = 0; i < data.centres.size(); ++i) {
    if (data.frequencies[i] > 0) {
      lo = std::min(lo, data.centres[i] - w / 2);
      hi = std::max(hi, data.centres[i] + w / 2);
      top = std::max(top, data.frequencies[i]);
    }
  }
  for (const Point* p : {&start, &end}) {
    if (std::isfinite(p->mu) && std::isfinite(p->sigma) && p->sigma > 0) {
      lo = std::min(lo, p->mu - 3 * p->sigma);
      hi = std::max(hi, p->mu + 3 * p->sigma);
    }
  }
  // A Gaussian far off (a diverged run) must not squash the histogram to a sliver.
  const double span = data.centres.back() - data.centres.front() + w;
  lo = std::max(lo, data.centres.front() - w / 2 - span);
  hi = std::min(hi, data.centres.back() + w / 2 + span);
  const double pad = 0.04 * (hi - lo);
  lo -= pad;
  hi += pad;

  std::vector<double> x, f0, f1;
  for (int i = 0; i <= 400; ++i) {
    x.push_back(lo + (hi - lo) * i / 400.0);
    f0.push_back(gaussian(x.back(), start.mu, start.sigma));
    f1.push_back(gaussian(x.back(), end.mu, end.sigma));
  }
  const double peak =
      std::max(*std::max_element(f0.begin(), f0.end()), *std::max_element(f1.begin(), f1.end()));
  const double y_max = 1.25 * std::min(std::max(top, peak), 3 * top);

  plot::Figure figure("Heights: histogram and fitted Gaussian (" + method_title(fit.method) + ")",
                      "height", "frequency (normalised)");
  figure.limits(lo, hi, 0.0, y_max);
  figure.bars(data.centres, data.frequencies, w * 0.92, plot::faded(plot::blue, 0.55));
  figure.line(x, f0, plot::grey, 1.5);
  figure.line(x, f1, plot::red, 2.5);
  figure.note(method_title(fit.method) + ", " + steps_text(fit));
  figure.note("χ² = " + format("%.6e", end.chi2));
  figure.note("μ = " + format("%.5f", end.mu) + ",  σ = " + format("%.5f", end.sigma));
  figure.legend("histogram", plot::faded(plot::blue, 0.55));
  figure.legend("start (" + format("%g", start.mu) + ", " + format("%g", start.sigma) + ")",
                plot::grey);
  figure.legend("fit", plot::red);
  figure.save(file, 800, 600);
}

void plot_path(const std::string& file, const Histogram& data, const Fit& fit) {
  // The course's box, widened if the path leaves it.
  double mu_lo = 150, mu_hi = 200, s_lo = 2, s_hi = 35;
  std::vector<double> path_mu, path_sigma;
  for (const Point& p : fit.trajectory) {
    if (!std::isfinite(p.mu) || !std::isfinite(p.sigma)) continue;
    path_mu.push_back(p.mu);
    path_sigma.push_back(p.sigma);
    mu_lo = std::min(mu_lo, p.mu), mu_hi = std::max(mu_hi, p.mu);
    s_lo = std::min(s_lo, p.sigma), s_hi = std::max(s_hi, p.sigma);
  }
  s_lo = std::max(s_lo, 0.25);  // χ² is not defined at σ ≤ 0

  const std::size_t n = 201;
  std::vector<double> mus(n), sigmas(n);
  for (std::size_t i = 0; i < n; ++i) {
    mus[i] = mu_lo + (mu_hi - mu_lo) * static_cast<double>(i) / (n - 1);
    sigmas[i] = s_lo + (s_hi - s_lo) * static_cast<double>(i) / (n - 1);
  }
  std::vector<std::vector<double>> grid(n, std::vector<double>(n));
  double low = std::numeric_limits<double>::infinity(), high = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      grid[i][j] = chi2(data, mus[j], sigmas[i]);
      low = std::min(low, grid[i][j]);
      high = std::max(high, grid[i][j]);
    }
  }
  if (std::isfinite(fit.final().chi2)) low = std::min(low, fit.final().chi2);

  plot::Figure figure("χ² over (μ, σ) and the " + method_title(fit.method) + " path", "μ", "σ");
  figure.limits(mu_lo, mu_hi, s_lo, s_hi);
  // Log-spaced levels, from just above the minimum to the highest value: evenly spaced ones
  // would all crowd the steep walls at small σ and leave the valley the descent follows empty.
  const int levels = 26;
  const plot::Colour deep{30, 50, 120}, shallow{150, 200, 230};
  for (int k = 0; k < levels; ++k) {
    const double t = static_cast<double>(k) / (levels - 1);
    const double level = low * std::pow(high / low, 0.01 + 0.99 * t);
    figure.contours(mus, sigmas, grid, {level}, mix(deep, shallow, t));
  }
  figure.line(path_mu, path_sigma, plot::red, 1.5);
  figure.markers(path_mu, path_sigma, plot::red);
  if (!path_mu.empty()) {
    figure.markers({path_mu.front()}, {path_sigma.front()}, plot::green);
    figure.markers({path_mu.back()}, {path_sigma.back()}, plot::black);
  }
  const Point& end = fit.final();
  figure.note(method_title(fit.method) + ", " + steps_text(fit));
  figure.note("χ² = " + format("%.6e", end.chi2));
  figure.note("μ = " + format("%.5f", end.mu) + ",  σ = " + format("%.5f", end.sigma));
  figure.legend("χ² contours", deep);
  figure.legend("path", plot::red);
  figure.legend("start", plot::green);
  figure.legend("end", plot::black);
  figure.save(file, 800, 600);
}

}  // namespace chainrule::heights
