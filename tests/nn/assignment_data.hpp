#pragma once
// The assignments' data and reference results (tests/data, copied from the shared numpy
// reference), shared by the nn and optim tests.

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <chainrule/nn.hpp>
#include <nlohmann/json.hpp>

namespace test_data {

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
using json = nlohmann::json;

inline std::string path(const std::string& name) {
  return std::string(CHAINRULE_TEST_DATA) + "/" + name;
}

inline json read_json(const std::string& name) {
  std::ifstream in(path(name));
  if (!in) throw std::runtime_error("cannot open test data " + path(name));
  return json::parse(in);
}

// Nested lists (rows of numbers) → a 2-D tensor; a flat list → 1-D.
inline ad::Tensor tensor(const json& j) {
  if (!j.empty() && j[0].is_array()) {
    ad::Tensor t = ad::Tensor::from_shape({j.size(), j[0].size()});
    for (std::size_t i = 0; i < j.size(); ++i) {
      for (std::size_t k = 0; k < j[i].size(); ++k) t(i, k) = j[i][k].get<double>();
    }
    return t;
  }
  ad::Tensor t = ad::Tensor::from_shape({j.size()});
  for (std::size_t i = 0; i < j.size(); ++i) t(i) = j[i].get<double>();
  return t;
}

struct Curve {
  ad::Tensor x;                            // (1 × 100)
  ad::Tensor y;                            // (2 × 100)
  std::map<std::string, ad::Tensor> init;  // W1, b1, ... as in curve_init.json
};

inline Curve curve() {
  const json j = read_json("curve_init.json");
  Curve c;
  c.x = tensor(j["training_data"]["x"]);
  c.x.reshape({1, c.x.size()});
  c.y = tensor(j["training_data"]["y"]);
  for (const char* key : {"W1", "W2", "W3", "b1", "b2", "b3"}) c.init[key] = tensor(j[key]);
  return c;
}

// The assignment's parameter names in the mlp({1, 6, 7, 2}) network.
inline const std::vector<std::pair<std::string, std::string>>& assignment_names() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"W1", "layers.0.weight"}, {"b1", "layers.0.bias"},   {"W2", "layers.2.weight"},
      {"b2", "layers.2.bias"},   {"W3", "layers.4.weight"}, {"b3", "layers.4.bias"}};
  return names;
}

// mlp({1, 6, 7, 2}, sigmoid) with the weights of curve_init.json.
inline nn::Sequential assignment_network(const Curve& c) {
  nn::Sequential net = nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), 1);
  for (const auto& [course, ours] : assignment_names()) net.assign(ours, c.init.at(course));
  return net;
}

// heights.csv: bin centres and frequencies.
inline std::pair<ad::Tensor, ad::Tensor> heights() {
  std::ifstream in(path("heights.csv"));
  std::string line;
  std::getline(in, line);  // header
  std::vector<double> xs;
  std::vector<double> ys;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    double x = 0.0;
    double y = 0.0;
    char comma = 0;
    fields >> x >> comma >> y;
    xs.push_back(x);
    ys.push_back(y);
  }
  ad::Tensor x = ad::Tensor::from_shape({xs.size()});
  ad::Tensor y = ad::Tensor::from_shape({ys.size()});
  std::copy(xs.begin(), xs.end(), x.begin());
  std::copy(ys.begin(), ys.end(), y.begin());
  return {x, y};
}

}  // namespace test_data
