// compare_costs a.json b.json tolerance: backprop_curve --json outputs whose cost trajectories
// agree to `tolerance`, relative, at every iteration b logged (b may be a resumed run of a), and
// whose final parameters agree to `tolerance` relative to max(1, |value|). Tolerance 0 asks for
// bit-identical numbers; a NaN never agrees. Prints the largest differences.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace {

nlohmann::json read(const char* path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error(std::string("cannot open '") + path + "'");
  try {
    return nlohmann::json::parse(file);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("'") + path + "': " + e.what());
  }
}

// The largest difference so far, NaN-sticky (std::max would drop a NaN).
void note(double& worst, double difference) {
  if (std::isnan(difference) || difference > worst) worst = difference;
}

// b's logged costs against a's at the same iterations: b may start later (a resumed run) but
// must end at the same iteration as a.
bool costs_agree(const nlohmann::json& a, const nlohmann::json& b, double tolerance) {
  std::map<std::size_t, double> by_iteration;
  for (const auto& entry : a.at("trajectory"))
    by_iteration[entry.at("iteration")] = entry.at("cost");
  const auto& costs = b.at("trajectory");
  if (costs.empty() || by_iteration.empty()) {
    std::cerr << "compare_costs: no logged costs\n";
    return false;
  }
  if (costs.back().at("iteration") != by_iteration.rbegin()->first) {
    std::cerr << "compare_costs: the runs end at iterations " << by_iteration.rbegin()->first
              << " and " << costs.back().at("iteration") << '\n';
    return false;
  }
  double worst = 0.0;
  for (const auto& entry : costs) {
    const std::size_t iteration = entry.at("iteration");
    const auto match = by_iteration.find(iteration);
    if (match == by_iteration.end()) {
      std::cerr << "compare_costs: iteration " << iteration << " is logged in one run only\n";
      return false;
    }
    const double x = match->second, y = entry.at("cost");
    note(worst, std::abs(x - y) / std::max(std::abs(x), 1e-300));
  }
  std::cout << costs.size() << " costs (iterations " << costs.front().at("iteration") << " to "
            << costs.back().at("iteration") << "), largest relative difference " << worst
            << " (tolerance " << tolerance << ")\n";
  return worst <= tolerance;
}

bool parameters_agree(const nlohmann::json& a, const nlohmann::json& b, double tolerance) {
  const auto& pa = a.at("parameters");
  const auto& pb = b.at("parameters");
  if (pa.size() != pb.size() || pa.empty()) {
    std::cerr << "compare_costs: " << pa.size() << " vs " << pb.size() << " parameters\n";
    return false;
  }
  double worst = 0.0;
  std::size_t values = 0;
  for (const auto& [name, rows] : pa.items()) {
    const auto& other = pb.at(name);
    bool same_shape = rows.size() == other.size();
    for (std::size_t r = 0; same_shape && r < rows.size(); ++r) {
      same_shape = rows[r].size() == other[r].size();
      for (std::size_t c = 0; same_shape && c < rows[r].size(); ++c, ++values) {
        const double x = rows[r][c], y = other[r][c];
        note(worst, std::abs(x - y) / std::max(std::abs(x), 1.0));
      }
    }
    if (!same_shape) {
      std::cerr << "compare_costs: parameter " << name << ": shapes differ\n";
      return false;
    }
  }
  std::cout << values << " final parameter values, largest difference " << worst << '\n';
  return worst <= tolerance;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: compare_costs a.json b.json tolerance\n";
    return 2;
  }
  char* end = nullptr;
  const double tolerance = std::strtod(argv[3], &end);
  if (end == argv[3] || *end != '\0' || !(tolerance >= 0)) {
    std::cerr << "compare_costs: tolerance '" << argv[3] << "' is not a number >= 0\n";
    return 2;
  }
  try {
    const nlohmann::json a = read(argv[1]), b = read(argv[2]);
    const bool costs = costs_agree(a, b, tolerance);
    return costs && parameters_agree(a, b, tolerance) ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "compare_costs: " << e.what() << '\n';
    return 2;
  }
}
