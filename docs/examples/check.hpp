// What the documentation examples check their results with (outside the shown snippets).
#pragma once

#include <chainrule/autodiff.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace docs {

/// Throws naming `what` unless `ok`: the example's test fails.
inline void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("documentation example: " + what);
}

/// Same shape and every element within 1e-9 (relative to the larger magnitude, or absolute
/// near zero).
inline bool close(const chainrule::ad::Tensor& actual, const std::vector<double>& expected,
                  double tolerance = 1e-9) {
  if (actual.size() != expected.size()) return false;
  std::size_t i = 0;
  for (double a : actual) {
    const double e = expected[i++];
    if (!(std::abs(a - e) <= tolerance * std::max({1.0, std::abs(a), std::abs(e)}))) return false;
  }
  return true;
}

}  // namespace docs
