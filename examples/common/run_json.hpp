#pragma once
// The one JSON layout of the example trainers' results (backprop_curve, fit_heights), so a
// script reads either program's output the same way:
//
//   {"schema": "chainrule-example-run", "version": 1, "program": "fit_heights",
//    "settings":   {every setting of the run},
//    "trajectory": [{"iteration": 0, "cost": …, …program's extra fields}, …],
//    "final":      {"iteration": n, "cost": …, "seconds": …, …},
//    "parameters": {"mu": 178.5, …} or {"W1": [[…], …], …}}
//
// Numbers are written with 17 significant digits: every double reads back exactly.

#include <string>

#include <nlohmann/json.hpp>

namespace chainrule::examples {

inline constexpr const char* run_json_schema = "chainrule-example-run";
inline constexpr int run_json_version = 1;

/// The document above; `trajectory` is an array, the others objects.
nlohmann::json run_json(const std::string& program, nlohmann::json settings,
                        nlohmann::json trajectory, nlohmann::json final, nlohmann::json parameters);

/// Writes `json` (indented) to `file`; std::runtime_error naming the file on failure.
void write_json(const std::string& file, const nlohmann::json& json);

}  // namespace chainrule::examples
