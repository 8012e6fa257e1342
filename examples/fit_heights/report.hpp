#pragma once
// What fit_heights writes: the run as JSON, the fitted histogram, and the descent path on the
// contours of χ².

#include <nlohmann/json.hpp>

#include <string>

#include "fit.hpp"

namespace chainrule::heights {

/// {"method", "data", "start", "aggression", "learning_rate", "steps", "tolerance",
///  "trajectory": [{"step", "mu", "sigma", "chi2"}, …] from step 0, "final": {…},
///  "stop_reason", "converged", "gradient_norm", "evaluations", "seconds"}.
nlohmann::json to_json(const Fit& fit, const FitOptions& options, const std::string& data_file,
                       const Histogram& data);

/// Writes `json` (indented) to `file`; throws std::runtime_error naming the file on failure.
void write_json(const std::string& file, const nlohmann::json& json);

/// The histogram as bars, the starting Gaussian (faint) and the fitted one, χ² written on it.
/// PNG or SVG by the extension; throws std::runtime_error on failure.
void plot_fit(const std::string& file, const Histogram& data, const Fit& fit);

/// Contours of χ² over μ ∈ [150, 200], σ ∈ [2, 35] at log-spaced levels (widened to hold the
/// whole path if it leaves that box), with the descent path and the end point on them.
void plot_path(const std::string& file, const Histogram& data, const Fit& fit);

}  // namespace chainrule::heights
