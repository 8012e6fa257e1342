#pragma once
// What fit_heights writes: the run as JSON, the fitted histogram, and the descent path on the
// contours of χ².

#include <nlohmann/json.hpp>

#include <string>

#include "fit.hpp"

namespace chainrule::heights {

/// The run in the examples' one JSON layout (run_json.hpp): settings (method, data, start,
/// aggression, learning_rate, max_steps, gradient_tolerance), the trajectory from step 0 as
/// {"iteration", "cost" (χ²), "mu", "sigma"}, the final point with the stop reason, and the
/// parameters {"mu", "sigma"}. Write it with examples::write_json.
nlohmann::json to_json(const Fit& fit, const FitOptions& options, const std::string& data_file,
                       const Histogram& data);

/// The histogram as bars, the starting Gaussian (faint) and the fitted one, χ² written on it.
/// PNG or SVG by the extension; throws std::runtime_error on failure.
void plot_fit(const std::string& file, const Histogram& data, const Fit& fit);

/// Contours of χ² over μ ∈ [150, 200], σ ∈ [2, 35] at log-spaced levels (widened to hold the
/// whole path if it leaves that box), with the descent path and the end point on them.
void plot_path(const std::string& file, const Histogram& data, const Fit& fit);

}  // namespace chainrule::heights
