#include "curve_data.hpp"

#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include <chainrule/nn/json_depth.hpp>
#include <nlohmann/json.hpp>

namespace chainrule::curve {

Curve heart_curve(std::size_t points) {
  Curve c{ad::Tensor::from_shape({1, points}), ad::Tensor::from_shape({2, points})};
  const double pi = std::numbers::pi;
  for (std::size_t i = 0; i < points; ++i) {
    const double x = static_cast<double>(i) / static_cast<double>(points);
    const double s = std::sin(2 * pi * x);
    c.x(0, i) = x;
    c.y(0, i) = (16 * s * s * s / 20 + 1) / 2;
    c.y(1, i) = ((13 * std::cos(2 * pi * x) - 5 * std::cos(4 * pi * x) - 2 * std::cos(6 * pi * x) -
                  std::cos(8 * pi * x)) /
                     20 +
                 1) /
                2;
  }
  return c;
}

namespace {

ad::Tensor matrix(const nlohmann::json& value, const std::string& key, const std::string& source) {
  const auto bad = [&](const std::string& why) {
    return DataError(source + ": '" + key + "' " + why);
  };
  if (!value.is_array() || value.empty()) throw bad("must be a non-empty list of rows");
  const std::size_t rows = value.size();
  std::size_t cols = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    if (!value[r].is_array() || value[r].empty()) {
      throw bad("row " + std::to_string(r) + " must be a non-empty list of numbers");
    }
    if (r == 0) cols = value[r].size();
    if (value[r].size() != cols) {
      throw bad("row " + std::to_string(r) + " has " + std::to_string(value[r].size()) +
                " numbers, row 0 has " + std::to_string(cols));
    }
  }
  ad::Tensor t = ad::Tensor::from_shape({rows, cols});
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const nlohmann::json& v = value[r][c];
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        throw bad("entry [" + std::to_string(r) + "][" + std::to_string(c) +
                  "] is not a finite number");
      }
      t(r, c) = v.get<double>();
    }
  }
  return t;
}

void expect_shape(const InitialWeights& w, const std::string& key, std::size_t rows,
                  std::size_t cols, const std::string& source) {
  const ad::Tensor& t = w.at(key);
  if (t.shape()[0] != rows || t.shape()[1] != cols) {
    throw DataError(source + ": '" + key + "' has shape " + ad::to_string(ad::shape_of(t)) +
                    ", the network needs " + ad::to_string({rows, cols}));
  }
}

}  // namespace

InitialWeights parse_initial_weights(const std::string& json_text, const std::string& source) {
  // Bounded before parsing (a file of 100 000 nested '[' must not exhaust the stack).
  if (const std::size_t depth = nn::json_nesting_depth(json_text); depth > nn::max_json_depth) {
    throw DataError(source + ": not valid JSON: nested " + std::to_string(depth) +
                    " levels deep (at most " + std::to_string(nn::max_json_depth) + ")");
  }
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw DataError(source + ": not valid JSON: " + e.what());
  }
  if (!document.is_object()) throw DataError(source + ": expected a JSON object");
  InitialWeights weights;
  for (const char* key : {"W1", "W2", "W3", "b1", "b2", "b3"}) {
    if (!document.contains(key)) throw DataError(source + ": missing key '" + key + "'");
    weights[key] = matrix(document[key], key, source);
  }
  const std::size_t n1 = weights["W1"].shape()[0];
  const std::size_t n2 = weights["W2"].shape()[0];
  expect_shape(weights, "W1", n1, 1, source);
  expect_shape(weights, "W2", n2, n1, source);
  expect_shape(weights, "W3", 2, n2, source);
  expect_shape(weights, "b1", n1, 1, source);
  expect_shape(weights, "b2", n2, 1, source);
  expect_shape(weights, "b3", 2, 1, source);
  return weights;
}

InitialWeights load_initial_weights(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw DataError(path + ": cannot open the file");
  std::ostringstream text;
  text << file.rdbuf();
  return parse_initial_weights(text.str(), path);
}

}  // namespace chainrule::curve
