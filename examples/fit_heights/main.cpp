// fit_heights: assignment 2 of the course — fit a Gaussian to the heights histogram by steepest
// descent on χ², with the gradients from chainrule (or by Gauss–Newton, Levenberg–Marquardt,
// Newton or Adam).
//
//   fit_heights                                   the assignment: 50 steps from (155, 6)
//   fit_heights --json run.json --plot-fit fit.png --plot-path path.png
//   fit_heights --method levenberg-marquardt
//   fit_heights --data measurements.txt --bins 2.5   raw heights, one per line
//
// Bad input (a missing or malformed file, σ ≤ 0, a non-finite value, an unknown flag) ends the
// program with one line on stderr and a non-zero exit code: 2 for the command line, 1 otherwise.

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "fit.hpp"
#include "heights_data.hpp"
#include "report.hpp"

#ifndef CHAINRULE_EXAMPLES_DATA_DIR
#define CHAINRULE_EXAMPLES_DATA_DIR "examples/data"
#endif

namespace heights = chainrule::heights;

namespace {

// The shipped data: where the build put it, or examples/data under the working directory.
std::string default_data_file() {
  const std::string built =
      (std::filesystem::path(CHAINRULE_EXAMPLES_DATA_DIR) / "heights.csv").lexically_normal();
  std::error_code ec;
  if (std::filesystem::is_regular_file(built, ec)) return built;
  const std::string local = "examples/data/heights.csv";
  if (std::filesystem::is_regular_file(local, ec)) return local;
  return built;
}

// Messages end up on one line whatever produced them.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string show(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

int fail(const std::string& message, int code = 1) {
  std::cerr << "fit_heights: " << one_line(message) << "\n";
  return code;
}

std::string point_text(const heights::Point& p) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "step %4zu  mu = %.12g  sigma = %.12g  chi2 = %.10e", p.step,
                p.mu, p.sigma, p.chi2);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  heights::FitOptions options;
  std::string data_file = default_data_file();
  std::string method_name = "steepest";
  // Signed: CLI11 would read "-1" into a size_t as 2⁶⁴ − 1.
  long long steps = 0;
  double tolerance = 0.0;
  double bin_width = 0.0;
  std::pair<double, double> bin_range{0.0, 0.0};
  long long log_every = 10;
  std::string json_file, fit_plot, path_plot;

  CLI::App app{
      "Fits a Gaussian f(x; mu, sigma) to the heights histogram by minimising chi2 = "
      "sum (y - f)^2, gradients by chainrule's autodiff (the course's assignment 2).",
      "fit_heights"};
  app.add_option("--data", data_file,
                 "histogram CSV (bin_centre,frequency) or raw heights, one per line (with --bins)")
      ->capture_default_str();
  app.add_option("--bins", bin_width, "bin width for raw measurements");
  app.add_option("--range", bin_range,
                 "where the bins of raw measurements lie, e.g. 50 300 as the course's histogram "
                 "[default: from the multiple of WIDTH below the smallest height]");
  app.add_option("--mu", options.mu, "starting mu")->capture_default_str();
  app.add_option("--sigma", options.sigma, "starting sigma (> 0)")->capture_default_str();
  auto* steps_option = app.add_option(
      "--steps", steps,
      "iteration budget [default: 50 for steepest, as the course; 100 for gauss-newton, "
      "levenberg-marquardt and newton, which stop on convergence; 1000 for adam]");
  app.add_option("--aggression", options.aggression,
                 "steepest-descent factor: (mu, sigma) -= aggression * grad chi2 (also the "
                 "steepest-descent fallback of newton and gauss-newton)")
      ->capture_default_str();
  app.add_option("--method", method_name, "minimiser")
      ->check(CLI::IsMember(heights::method_names()))
      ->capture_default_str();
  app.add_option("--learning-rate", options.learning_rate, "Adam's learning rate")
      ->capture_default_str();
  auto* tolerance_option = app.add_option(
      "--tolerance", tolerance,
      "stop when |grad chi2| <= this [default: 0 for steepest (take every step), 1e-12 else]");
  app.add_option("--log-every", log_every, "print progress every K steps (0: start and end only)")
      ->capture_default_str();
  app.add_option("--json", json_file, "write the trajectory and result as JSON");
  app.add_option("--plot-fit", fit_plot, "draw the histogram and the fit (.png or .svg)");
  app.add_option("--plot-path", path_plot, "draw the path on the contours of chi2 (.png or .svg)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see --help)", 2);
  }

  try {
    options.method = heights::method_from_name(method_name);
    if (steps < 0) return fail("--steps must be zero or positive, got " + std::to_string(steps), 2);
    if (log_every < 0) {
      return fail("--log-every must be zero or positive, got " + std::to_string(log_every), 2);
    }
    if (steps_option->count() > 0) options.steps = static_cast<std::size_t>(steps);
    if (tolerance_option->count() > 0) options.tolerance = tolerance;
    heights::validate(options);
    const bool bins_given = app.count("--bins") > 0;
    if (bins_given && !(bin_width > 0 && std::isfinite(bin_width))) {
      return fail("--bins must be positive and finite, got " + show(bin_width), 2);
    }
    std::optional<heights::BinRange> range;
    if (app.count("--range") > 0) {
      if (!bins_given) return fail("--range needs --bins WIDTH", 2);
      range = heights::BinRange{bin_range.first, bin_range.second};
      if (!(std::isfinite(range->low) && std::isfinite(range->high) && range->low < range->high)) {
        return fail("--range must be two finite numbers LOW < HIGH, got " + show(range->low) + " " +
                        show(range->high),
                    2);
      }
    }
    // Before the fit, so that a typo costs no run.
    for (const auto& [flag, file] :
         {std::pair{"--plot-fit", fit_plot}, {"--plot-path", path_plot}}) {
      const std::string extension = std::filesystem::path(file).extension().string();
      if (!file.empty() && extension != ".png" && extension != ".svg") {
        return fail(std::string(flag) + ": '" + file + "' should end in .png or .svg", 2);
      }
    }

    spdlog::set_pattern("[%H:%M:%S.%e] %v");
    const heights::Histogram data = heights::load_heights(data_file, bin_width, range);
    if (data.measurements > 0) {
      spdlog::info("{}: {} measurements in {} bins {} wide", data_file, data.measurements,
                   data.centres.size(), data.bin_width);
    } else {
      spdlog::info("{}: histogram of {} bins {} wide", data_file, data.centres.size(),
                   data.bin_width);
      if (bins_given) {
        spdlog::warn("warning: --bins{} ignored: {} is already a histogram",
                     range ? " and --range" : "", data_file);
      }
    }
    spdlog::info("{} from mu = {}, sigma = {}, at most {} steps",
                 heights::to_string(options.method), options.mu, options.sigma,
                 options.steps.value_or(heights::default_steps(options.method)));

    std::size_t last_logged = 0;
    const heights::Fit fit = heights::fit(data, options, [&](const heights::Point& p) {
      if (p.step == 0 || (log_every > 0 && p.step % static_cast<std::size_t>(log_every) == 0)) {
        spdlog::info("{}", point_text(p));
        last_logged = p.step;
      }
    });
    const heights::Point& end = fit.final();
    if (last_logged != end.step) spdlog::info("{}", point_text(end));
    if (fit.reason == chainrule::optim::StopReason::non_finite) {
      if (end.step == 0) {
        return fail("chi2 or its gradient is not finite at the start (mu = " + show(end.mu) +
                    ", sigma = " + show(end.sigma) + ")");
      }
      return fail("chi2 or its gradient became non-finite after " + std::to_string(end.step) +
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

    if (!json_file.empty()) {
      heights::write_json(json_file, heights::to_json(fit, options, data_file, data));
      spdlog::info("wrote {}", json_file);
    }
    if (!fit_plot.empty()) {
      heights::plot_fit(fit_plot, data, fit);
      spdlog::info("wrote {}", fit_plot);
    }
    if (!path_plot.empty()) {
      heights::plot_path(path_plot, data, fit);
      spdlog::info("wrote {}", path_plot);
    }
  } catch (const std::invalid_argument& e) {
    return fail(e.what(), 2);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}
