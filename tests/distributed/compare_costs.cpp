// compare_costs a.json b.json tolerance: backprop_curve --json outputs whose cost trajectories
// (same iterations) agree to `tolerance`, relative. Prints the largest relative difference.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: compare_costs a.json b.json relative-tolerance\n";
    return 2;
  }
  nlohmann::json a, b;
  std::ifstream(argv[1]) >> a;
  std::ifstream(argv[2]) >> b;
  const double tolerance = std::strtod(argv[3], nullptr);
  const auto& ca = a.at("cost");
  const auto& cb = b.at("cost");
  if (ca.size() != cb.size() || ca.empty()) {
    std::cerr << "compare_costs: " << ca.size() << " vs " << cb.size() << " logged costs\n";
    return 1;
  }
  double worst = 0.0;
  for (std::size_t i = 0; i < ca.size(); ++i) {
    if (ca[i].at("iteration") != cb[i].at("iteration")) {
      std::cerr << "compare_costs: iterations differ at entry " << i << '\n';
      return 1;
    }
    const double x = ca[i].at("cost"), y = cb[i].at("cost");
    worst = std::max(worst, std::abs(x - y) / std::max(std::abs(x), 1e-300));
  }
  std::cout << ca.size() << " costs, largest relative difference " << worst << " (tolerance "
            << tolerance << ")\n";
  return worst <= tolerance ? 0 : 1;
}
