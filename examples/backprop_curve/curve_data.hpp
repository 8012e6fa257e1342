#pragma once
// Assignment 1's data: the heart curve to learn, and initial weights from a JSON file.

#include <map>
#include <stdexcept>
#include <string>

#include <chainrule/autodiff/tensor.hpp>

namespace chainrule::curve {

/// Bad input: the message names the file and what is wrong (key, shape, JSON position).
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The training set: x (1 × N) with x_i = i/N, and the heart y (2 × N),
/// y = ([16 sin³(2πx), 13cos(2πx) − 5cos(4πx) − 2cos(6πx) − cos(8πx)] / 20 + 1) / 2.
struct Curve {
  ad::Tensor x;
  ad::Tensor y;
};
Curve heart_curve(std::size_t points);

/// Initial parameters W1, W2, W3, b1, b2, b3 of a 1 → n1 → n2 → 2 network, as (out × in)
/// and (out × 1) tensors, keyed by those names.
using InitialWeights = std::map<std::string, ad::Tensor>;

/// Parses the layout of the course's reference `curve_init.json`: keys W1…b3 holding nested
/// row-major lists. Checks every shape against the others (sizes follow from W1 and W2).
InitialWeights parse_initial_weights(const std::string& json_text, const std::string& source);
InitialWeights load_initial_weights(const std::string& path);

}  // namespace chainrule::curve
