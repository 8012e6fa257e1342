// fit_heights: assignment 2 of the course — fit a Gaussian to the heights histogram by steepest
// descent on χ², with the gradients from chainrule (or by Gauss–Newton, Levenberg–Marquardt,
// Newton or Adam).
//
//   fit_heights                                   the assignment: 50 steps from (155, 6)
//   fit_heights --json run.json --plot-fit fit.png --plot-path path.png
//   fit_heights --method levenberg-marquardt
//   fit_heights --data measurements.txt --bins 2.5   raw heights, one per line
//
// Bad input ends the program with one line on stderr: exit code 2 for the command line, 1 for
// a file or the run (examples/common/cli.hpp).

#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include <cli.hpp>
#include <run_json.hpp>

#include "fit.hpp"
#include "heights_data.hpp"
#include "report.hpp"

namespace heights = chainrule::heights;
namespace examples = chainrule::examples;
using examples::Real;

namespace {

std::string point_text(const heights::Point& p) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "step %4zu  mu = %.12g  sigma = %.12g  chi2 = %.10e", p.step,
                p.mu, p.sigma, p.chi2);
  return buffer;
}

struct Settings {
  heights::FitOptions fit;
  std::string data_file = examples::example_data("heights.csv");
  std::string method = "steepest";
  std::size_t steps = 0;
  double tolerance = 0.0;
  double bin_width = 0.0;
  std::pair<double, double> bin_range{0.0, 0.0};
  std::size_t log_every = 10;
  std::string json_file, fit_plot, path_plot;
};

// Everything the command line can get wrong, before any work.
std::optional<heights::BinRange> check(CLI::App& app, Settings& s) {
  try {
    s.fit.method = heights::method_from_name(s.method);
    if (app.count("--steps") > 0) s.fit.steps = s.steps;
    if (app.count("--tolerance") > 0) s.fit.tolerance = s.tolerance;
    heights::validate(s.fit);
  } catch (const std::invalid_argument& e) {
    throw examples::UsageError(e.what());
  }
  std::optional<heights::BinRange> range;
  if (app.count("--range") > 0) {
    if (app.count("--bins") == 0) throw examples::UsageError("--range needs --bins WIDTH");
    range = heights::BinRange{s.bin_range.first, s.bin_range.second};
    if (!(range->low < range->high)) {
      throw examples::UsageError("--range must be two numbers LOW < HIGH, got " +
                                 examples::exact_text(range->low) + " " +
                                 examples::exact_text(range->high));
    }
  }
  if (s.data_file.empty() && app.count("--data") == 0) {
    throw std::runtime_error("the shipped heights.csv is not beside the program; give --data FILE");
  }
  examples::require_input_file("--data", s.data_file);
  if (app.count("--json") > 0) examples::require_output_file("--json", s.json_file);
  if (app.count("--plot-fit") > 0) examples::require_plot_file("--plot-fit", s.fit_plot);
  if (app.count("--plot-path") > 0) examples::require_plot_file("--plot-path", s.path_plot);
  return range;
}

int run(CLI::App& app, Settings& s) {
  const std::optional<heights::BinRange> range = check(app, s);
  spdlog::set_pattern("[%H:%M:%S.%e] %v");
  const heights::Histogram data = heights::load_heights(s.data_file, s.bin_width, range);
  if (data.measurements > 0) {
    spdlog::info("{}: {} measurements in {} bins {} wide", s.data_file, data.measurements,
                 data.centres.size(), data.bin_width);
  } else {
    spdlog::info("{}: histogram of {} bins {} wide", s.data_file, data.centres.size(),
                 data.bin_width);
    if (app.count("--bins") > 0) {
      spdlog::warn("warning: --bins{} ignored: {} is already a histogram",
                   range ? " and --range" : "", s.data_file);
    }
  }
  spdlog::info("{} from mu = {}, sigma = {}, at most {} steps", heights::to_string(s.fit.method),
               s.fit.mu, s.fit.sigma, s.fit.steps.value_or(heights::default_steps(s.fit.method)));

  std::size_t last_logged = 0;
  const heights::Fit fit = heights::fit(data, s.fit, [&](const heights::Point& p) {
    if (p.step == 0 || (s.log_every > 0 && p.step % s.log_every == 0)) {
      spdlog::info("{}", point_text(p));
      last_logged = p.step;
    }
  });
  const heights::Point& end = fit.final();
  if (last_logged != end.step) spdlog::info("{}", point_text(end));
  if (fit.reason == chainrule::optim::StopReason::non_finite) {
    if (end.step == 0) {
      throw std::runtime_error(
          "chi2 or its gradient is not finite at the start (mu = " + examples::exact_text(end.mu) +
          ", sigma = " + examples::exact_text(end.sigma) + ")");
    }
    throw std::runtime_error("chi2 or its gradient became non-finite after " +
                             std::to_string(end.step) +
                             " steps (try a smaller --aggression or --learning-rate)");
  }
  if (!(end.mu >= data.centres.front() && end.mu <= data.centres.back())) {
    spdlog::warn("warning: the fit ended outside the data (mu = {}): try a smaller --aggression",
                 end.mu);
  }
  spdlog::info("{}: {} steps in {:.3f} ms: mu = {:.7f}, sigma = {:.7f}, chi2 = {:.9e} ({}{})",
               heights::to_string(fit.method), end.step, fit.seconds * 1e3, end.mu, end.sigma,
               end.chi2, chainrule::optim::to_string(fit.reason),
               fit.converged ? ", converged" : "");

  if (!s.json_file.empty()) {
    examples::write_json(s.json_file, heights::to_json(fit, s.fit, s.data_file, data));
    spdlog::info("wrote {}", s.json_file);
  }
  if (!s.fit_plot.empty()) {
    heights::plot_fit(s.fit_plot, data, fit);
    spdlog::info("wrote {}", s.fit_plot);
  }
  if (!s.path_plot.empty()) {
    heights::plot_path(s.path_plot, data, fit);
    spdlog::info("wrote {}", s.path_plot);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{
      "Fits a Gaussian f(x; mu, sigma) to the heights histogram by minimising chi2 = "
      "sum (y - f)^2, gradients by chainrule's autodiff (the course's assignment 2).\n"
      "Exit codes: 0 done, 1 a file or the run failed, 2 a usage error.",
      "fit_heights"};
  app.add_option("--data", s.data_file,
                 "histogram CSV (bin_centre,frequency) or raw heights, one per line (with "
                 "--bins); lines up to 4096 characters [default: heights.csv shipped beside the "
                 "program]");
  app.add_option("--bins", s.bin_width, "bin width for raw measurements (at most a million bins)")
      ->check(examples::real_number(Real::positive));
  app.add_option("--range", s.bin_range,
                 "where the bins of raw measurements lie, e.g. 50 300 as the course's histogram "
                 "[default: from the multiple of WIDTH below the smallest height]")
      ->check(examples::real_number(Real::finite));
  app.add_option("--mu", s.fit.mu, "starting mu")
      ->check(examples::real_number(Real::finite))
      ->capture_default_str();
  app.add_option("--sigma", s.fit.sigma, "starting sigma")
      ->check(examples::real_number(Real::positive))
      ->capture_default_str();
  app.add_option("--steps", s.steps,
                 "iteration budget [default: 50 for steepest, as the course; 100 for "
                 "gauss-newton, levenberg-marquardt and newton, which stop on convergence; 1000 "
                 "for adam]")
      ->check(examples::whole_number(0, 10'000'000));
  app.add_option("--aggression", s.fit.aggression,
                 "steepest-descent factor: (mu, sigma) -= aggression * grad chi2 (also the "
                 "steepest-descent fallback of newton and gauss-newton)")
      ->check(examples::real_number(Real::positive))
      ->capture_default_str();
  app.add_option("--method", s.method, "minimiser")
      ->check(CLI::IsMember(heights::method_names()))
      ->capture_default_str();
  app.add_option("--learning-rate", s.fit.learning_rate, "Adam's learning rate")
      ->check(examples::real_number(Real::positive))
      ->capture_default_str();
  app.add_option("--tolerance", s.tolerance,
                 "stop when |grad chi2| <= this [default: 0 for steepest (take every step), "
                 "1e-12 else]")
      ->check(examples::real_number(Real::non_negative));
  app.add_option("--log-every", s.log_every, "print progress every K steps (0: start and end only)")
      ->check(examples::whole_number(0, 10'000'000))
      ->capture_default_str();
  app.add_option("--json", s.json_file, "write the run as JSON (the examples' one layout)");
  app.add_option("--plot-fit", s.fit_plot, "draw the histogram and the fit (.png or .svg)");
  app.add_option("--plot-path", s.path_plot,
                 "draw the path on the contours of chi2 (.png or .svg)");
  return examples::run("fit_heights", app, argc, argv, [&] { return run(app, s); });
}
