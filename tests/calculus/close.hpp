#pragma once
// `expect_close`: elementwise comparison of tensors with a tolerance relative to the expected
// value, reporting the first entry that disagrees.

#include <cmath>
#include <string>

#include <boost/test/unit_test.hpp>

#include <chainrule/autodiff/tensor.hpp>

namespace chainrule::test {

/// |actual − expected| ≤ tol · (1 + |expected|) for every entry, and equal shapes.
inline void expect_close(const ad::Tensor& actual, const ad::Tensor& expected, double tol,
                         const std::string& what) {
  BOOST_TEST_REQUIRE((ad::shape_of(actual) == ad::shape_of(expected)),
                     what << ": shape " << ad::to_string(ad::shape_of(actual)) << ", expected "
                          << ad::to_string(ad::shape_of(expected)));
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual.data()[i];
    const double e = expected.data()[i];
    if (!(std::abs(a - e) <= tol * (1.0 + std::abs(e)))) {
      BOOST_ERROR(what << ": entry " << i << " is " << a << ", expected " << e << " (difference "
                       << std::abs(a - e) << ")");
      return;
    }
  }
}

}  // namespace chainrule::test
