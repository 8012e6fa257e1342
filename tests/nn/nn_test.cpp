// chainrule::nn: layers, names, losses, initialisers, flat functions and checkpoints.
#define BOOST_TEST_MODULE nn
#include <boost/test/unit_test.hpp>

#include <chainrule/autodiff.hpp>
#include <chainrule/nn.hpp>

#include "test_support.hpp"

#include <unistd.h>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "assignment_data.hpp"

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace fs = std::filesystem;
namespace tt = boost::test_tools;

using chainrule::test::contains;
using chainrule::test::message_of;
using chainrule::test::TempDir;

namespace {

ad::Tensor column(std::vector<double> values) {
  ad::Tensor t = ad::Tensor::from_shape({values.size()});
  std::copy(values.begin(), values.end(), t.begin());
  t.reshape({values.size(), 1});
  return t;
}

// A (rows × cols) tensor from row-major values.
ad::Tensor matrix(std::size_t rows, std::size_t cols, std::vector<double> values) {
  ad::Tensor t = ad::Tensor::from_shape({rows * cols});
  std::copy(values.begin(), values.end(), t.begin());
  t.reshape({rows, cols});
  return t;
}

}  // namespace

// --- layers ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(linear_computes_W_a_plus_b_column_per_example) {
  ad::current_tape().clear();
  const ad::Tensor w = matrix(2, 3, {1, 2, 3, -1, 0.5, 2});
  nn::Linear layer(w, column({0.5, -1}));
  BOOST_TEST(layer.in_features() == 3u);
  BOOST_TEST(layer.out_features() == 2u);
  BOOST_TEST((layer.weight().shape() == ad::Shape{2, 3}));
  BOOST_TEST((layer.bias().shape() == ad::Shape{2, 1}));
  const ad::Tensor a = matrix(3, 2, {1, 0, 2, 1, -1, 3});  // two examples (columns)
  const ad::Var z = layer(ad::constant(a));
  BOOST_TEST((z.shape() == ad::Shape{2, 2}));
  for (std::size_t i = 0; i < 2; ++i) {
    for (std::size_t j = 0; j < 2; ++j) {
      double expected = layer.bias().value()(i, 0);
      for (std::size_t k = 0; k < 3; ++k) expected += w(i, k) * a(k, j);
      BOOST_TEST(z.value()(i, j) == expected, tt::tolerance(1e-15));
    }
  }
  // Exactly the leaves W, b and one operation, linear (W·a + b: no W·a kept apart).
  const std::size_t before = ad::current_tape().size();
  layer(ad::constant(a));
  BOOST_TEST(ad::current_tape().size() - before == 4u);  // input constant + W + b + linear
}

BOOST_AUTO_TEST_CASE(linear_rejects_bad_shapes_naming_them) {
  ad::current_tape().clear();
  nn::Linear layer(3, 2);
  const std::string wrong_rows = message_of([&] {
    layer(ad::constant(ad::Tensor::from_shape({4, 5})));
  });
  BOOST_TEST(contains(wrong_rows, "Linear(3 → 2)"));
  BOOST_TEST(contains(wrong_rows, "(3 × batch)"));
  BOOST_TEST(contains(wrong_rows, "(4, 5)"));
  BOOST_CHECK_THROW(layer(ad::constant(ad::Tensor::from_shape({4, 5}))), ad::ShapeError);
  const std::string one_d = message_of([&] { layer(ad::constant(ad::Tensor::from_shape({3}))); });
  BOOST_TEST(contains(one_d, "reshape a single example to (3, 1)"));
  BOOST_CHECK_THROW(nn::Linear(matrix(2, 3, {1, 2, 3, 4, 5, 6}), column({1, 2, 3})),
                    ad::ShapeError);
  BOOST_TEST(contains(message_of([&] {
                        nn::Linear(matrix(2, 3, {1, 2, 3, 4, 5, 6}), column({1}));
                      }),
                      "bias must have shape (2, 1)"));
}

BOOST_AUTO_TEST_CASE(mlp_has_the_assignment_shapes_and_dotted_names) {
  ad::current_tape().clear();
  nn::Sequential net = nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), 7);
  const nn::NamedParameters params = net.named_parameters();
  const std::vector<std::pair<std::string, ad::Shape>> expected = {
      {"layers.0.weight", {6, 1}}, {"layers.0.bias", {6, 1}},   {"layers.2.weight", {7, 6}},
      {"layers.2.bias", {7, 1}},   {"layers.4.weight", {2, 7}}, {"layers.4.bias", {2, 1}}};
  BOOST_TEST_REQUIRE(params.size() == expected.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    BOOST_TEST(params[i].name == expected[i].first);
    BOOST_TEST((params[i].parameter.shape() == expected[i].second));
  }
  BOOST_TEST(net.parameter_count() == 6u + 6u + 42u + 7u + 14u + 2u);
  BOOST_TEST(net.size() == 6u);
  BOOST_TEST(net.at<nn::Linear>(2).in_features() == 6u);
  BOOST_TEST(net[1].name() == "Sigmoid");
  BOOST_CHECK_THROW(net.at<nn::Linear>(1), ad::Error);
  BOOST_CHECK_THROW(net[6], ad::Error);
  BOOST_TEST(contains(net.summary(), "(layers.2): Linear(6 → 7)  [weight (7, 6), bias (7, 1)]"));

  // Handles: parameters() shares storage with the module.
  net.parameters()[0].value()(0, 0) = 42.0;
  BOOST_TEST(net.parameter("layers.0.weight").value()(0, 0) == 42.0);

  const ad::Var out = net(ad::constant(ad::Tensor::from_shape({1, 100})));
  BOOST_TEST((out.shape() == ad::Shape{2, 100}));

  // Nested modules join names with dots.
  nn::Sequential outer;
  outer.add(std::make_shared<nn::Sequential>(nn::mlp({2, 3}, nn::Activation::tanh)));
  BOOST_TEST(outer.named_parameters()[0].name == "layers.0.layers.0.weight");
}

BOOST_AUTO_TEST_CASE(unknown_names_and_wrong_shapes_are_reported) {
  nn::Sequential net = nn::mlp({1, 2}, nn::Activation::relu);
  const std::string unknown = message_of([&] { net.parameter("layers.1.weight"); });
  BOOST_TEST(contains(unknown, "'layers.1.weight'"));
  BOOST_TEST(contains(unknown, "layers.0.weight, layers.0.bias"));
  BOOST_CHECK_THROW(net.parameter("nope"), nn::NameError);
  const std::string shape = message_of([&] { net.assign("layers.0.bias", column({1, 2, 3})); });
  BOOST_TEST(contains(shape, "'layers.0.bias' has shape (2, 1)"));
  BOOST_TEST(contains(shape, "(3, 1)"));
  BOOST_CHECK_THROW(nn::activation_from_string("gelu"), nn::NameError);
  BOOST_TEST((nn::activation_from_string("softplus") == nn::Activation::softplus));
  BOOST_CHECK_THROW(nn::init::from_string("lecun"), nn::NameError);
  BOOST_CHECK_THROW(nn::mlp({3}, nn::Activation::relu), ad::Error);
  ad::Parameter a(ad::Tensor{1.0}, "w");
  ad::Parameter b(ad::Tensor{2.0}, "w");
  BOOST_CHECK_THROW(nn::named({a, b}), nn::NameError);
  ad::Parameter c(ad::Tensor{3.0});
  BOOST_TEST(nn::named({a, c})[1].name == "1");
}

BOOST_AUTO_TEST_CASE(activation_modules_match_their_formulas) {
  ad::current_tape().clear();
  const ad::Tensor z = matrix(1, 4, {-2.0, -0.5, 0.0, 3.0});
  const ad::Var v = ad::constant(z);
  for (std::size_t i = 0; i < 4; ++i) {
    const double x = z(0, i);
    BOOST_TEST(nn::Sigmoid()(v).value()(0, i) == 1.0 / (1.0 + std::exp(-x)), tt::tolerance(1e-15));
    BOOST_TEST(nn::Tanh()(v).value()(0, i) == std::tanh(x), tt::tolerance(1e-15));
    BOOST_TEST(nn::ReLU()(v).value()(0, i) == std::max(x, 0.0));
    BOOST_TEST(nn::Softplus()(v).value()(0, i) == std::log1p(std::exp(x)), tt::tolerance(1e-15));
    BOOST_TEST(nn::Identity()(v).value()(0, i) == x);
  }
}

// The network's gradients from autodiff equal the assignment's hand-derived Jacobians.
BOOST_AUTO_TEST_CASE(assignment_network_gradients_match_the_reference_jacobians) {
  ad::current_tape().clear();
  const test_data::Curve curve = test_data::curve();
  nn::Sequential net = test_data::assignment_network(curve);
  const nlohmann::json reference = test_data::read_json("curve_reference.json");
  const ad::Var cost = nn::squared_error_cost(net(ad::constant(curve.x)), curve.y);
  BOOST_TEST(cost.item() == reference["cost_initial"].get<double>(), tt::tolerance(1e-12));
  net.zero_grad();
  cost.backward();
  for (const auto& [course, ours] : test_data::assignment_names()) {
    const ad::Tensor expected = test_data::tensor(reference["jacobians_initial"][course]);
    const ad::Tensor& got = net.parameter(ours).grad();
    BOOST_TEST_REQUIRE((ad::shape_of(got) == ad::shape_of(expected)));
    for (std::size_t i = 0; i < got.size(); ++i) {
      BOOST_TEST(got.data()[i] == expected.data()[i], tt::tolerance(1e-9));
    }
  }
}

// --- losses ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(losses_match_hand_computation) {
  ad::current_tape().clear();
  const ad::Tensor a = matrix(2, 2, {1, 2, 3, 4});
  const ad::Tensor y = matrix(2, 2, {0, 0, 0, 1});
  // ‖a − y‖² = 1 + 4 + 9 + 9 = 23; N = 2 columns.
  BOOST_TEST(nn::squared_error_cost(ad::constant(a), y).item() == 11.5);
  BOOST_TEST(nn::mse(ad::constant(a), y).item() == 5.75);
  // A 1-D prediction is one example.
  BOOST_TEST(
      nn::squared_error_cost(ad::constant(ad::Tensor{1.0, 2.0}), ad::Tensor{0.0, 0.0}).item() ==
      5.0);

  // Softmax cross-entropy, column by column.
  const ad::Tensor z = matrix(3, 2, {1.0, -1.0, 2.0, 0.0, 0.5, 3.0});
  const ad::Tensor t = matrix(3, 2, {0, 0, 1, 0, 0, 1});  // classes 1 and 2
  double expected = 0.0;
  const std::size_t label[2] = {1, 2};
  for (std::size_t j = 0; j < 2; ++j) {
    double total = 0.0;
    for (std::size_t i = 0; i < 3; ++i) total += std::exp(z(i, j));
    expected -= std::log(std::exp(z(label[j], j)) / total);
  }
  expected /= 2.0;
  BOOST_TEST(nn::softmax_cross_entropy(ad::constant(z), t).item() == expected,
             tt::tolerance(1e-14));
  BOOST_TEST(
      nn::softmax_cross_entropy(ad::constant(z), std::vector<std::size_t>{1, 2}).item() == expected,
      tt::tolerance(1e-14));
  const ad::Var p = nn::softmax(ad::constant(z));
  for (std::size_t j = 0; j < 2; ++j) {
    BOOST_TEST(p.value()(0, j) + p.value()(1, j) + p.value()(2, j) == 1.0, tt::tolerance(1e-15));
  }
}

BOOST_AUTO_TEST_CASE(softmax_cross_entropy_is_stable_for_huge_logits) {
  ad::current_tape().clear();
  const ad::Tensor z = matrix(2, 1, {1000.0, 1001.0});
  const ad::Var v = ad::variable(z);
  const ad::Var loss = nn::softmax_cross_entropy(v, std::vector<std::size_t>{0});
  BOOST_TEST(loss.item() == std::log1p(std::exp(-1.0)) + 1.0, tt::tolerance(1e-14));
  loss.backward();
  const double p0 = 1.0 / (1.0 + std::exp(1.0));
  BOOST_TEST(v.grad()(0, 0) == p0 - 1.0, tt::tolerance(1e-14));
  BOOST_TEST(v.grad()(1, 0) == 1.0 - p0, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(losses_pass_gradcheck_and_gradgradcheck) {
  const ad::Tensor a = matrix(2, 3, {0.3, -0.2, 0.8, 0.1, 0.5, -0.7});
  const ad::Tensor y = matrix(2, 3, {0.0, 1.0, 0.5, -0.5, 0.25, 0.0});
  const ad::Tensor t = matrix(2, 3, {1, 0, 0.3, 0, 1, 0.7});
  const std::vector<std::pair<std::string, ad::FunctionN>> losses = {
      {"squared_error_cost",
       [](const std::vector<ad::Var>& v) { return nn::squared_error_cost(v[0], v[1]); }},
      {"mse", [](const std::vector<ad::Var>& v) { return nn::mse(v[0], v[1]); }},
      {"softmax_cross_entropy",
       [](const std::vector<ad::Var>& v) { return nn::softmax_cross_entropy(v[0], v[1]); }},
  };
  for (const auto& [name, f] : losses) {
    BOOST_TEST_CONTEXT(name) {
      const ad::Tensor& target = name == "softmax_cross_entropy" ? t : y;
      const ad::GradcheckReport first = ad::gradcheck_report(f, {a, target});
      BOOST_TEST(first.ok, first.message);
      const ad::GradcheckReport second = ad::gradgradcheck_report(f, {a, target});
      BOOST_TEST(second.ok, second.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(losses_reject_mismatched_shapes) {
  ad::current_tape().clear();
  const ad::Var a = ad::constant(ad::Tensor::from_shape({2, 100}));
  const std::string m = message_of([&] {
    nn::squared_error_cost(a, ad::Tensor::from_shape({2, 1}));
  });
  BOOST_TEST(contains(m, "(2, 100)"));
  BOOST_TEST(contains(m, "(2, 1)"));
  BOOST_CHECK_THROW(nn::mse(a, ad::Tensor::from_shape({100, 2})), ad::ShapeError);
  BOOST_CHECK_THROW(nn::softmax_cross_entropy(a, std::vector<std::size_t>{0, 1}), ad::ShapeError);
  const ad::Var z = ad::constant(ad::Tensor::from_shape({2, 2}));
  BOOST_TEST(contains(message_of([&] {
                        nn::softmax_cross_entropy(z, std::vector<std::size_t>{0, 2});
                      }),
                      "label 2 of column 1"));
}

// --- initialisers ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(generator_is_reproducible_and_platform_independent) {
  // Golden values: mt19937_64 is specified by the standard and the normal sampler uses IEEE
  // basic operations only, so these hold on every platform.
  nn::Generator g(2024);
  BOOST_TEST(g.next() == 11302035004393361974ull);
  BOOST_TEST(g.uniform() == 0x1.96e50634f5cdbp-1);
  BOOST_TEST(g.normal() == -0x1.377743b6de7adp+0);
  BOOST_TEST(g.normal() == -0x1.b878eb425be45p-1);

  nn::Generator a(5);
  nn::Generator b(5);
  for (int i = 0; i < 1000; ++i) BOOST_TEST_REQUIRE(a.normal() == b.normal());
  a.normal();  // leaves a spare inside
  const std::string saved = a.state();
  std::vector<double> expected;
  for (int i = 0; i < 5; ++i) expected.push_back(a.normal());
  nn::Generator c(99);
  c.set_state(saved);
  for (int i = 0; i < 5; ++i) BOOST_TEST(c.normal() == expected[static_cast<std::size_t>(i)]);
  BOOST_CHECK_THROW(c.set_state("not a state"), ad::Error);
}

BOOST_AUTO_TEST_CASE(normal_draws_have_unit_variance) {
  nn::Generator g(1);
  const int n = 200000;
  double sum = 0.0;
  double sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = g.normal();
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / n;
  BOOST_TEST(std::abs(mean) < 0.01);
  BOOST_TEST(sum2 / n - mean * mean == 1.0, tt::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(portable_log_is_within_two_ulp_of_libm) {
  nn::Generator g(3);
  for (int i = 0; i < 100000; ++i) {
    const double x = i % 2 ? g.uniform() + 1e-300 : std::exp(g.uniform(-700, 700));
    const double ours = nn::detail::portable_log(x);
    const double libm = std::log(x);
    const double ulp = std::nextafter(std::abs(libm), INFINITY) - std::abs(libm);
    BOOST_TEST_REQUIRE(std::abs(ours - libm) <= 2 * ulp,
                       "x = " << x << ": " << ours << " vs " << libm);
  }
  BOOST_TEST(nn::detail::portable_log(1.0) == 0.0);
  BOOST_TEST(nn::detail::portable_log(0.5) == -std::log(2.0));
}

BOOST_AUTO_TEST_CASE(initialisers_have_their_scales_and_seeds) {
  const auto std_of = [](const ad::Tensor& t) {
    const double mean = std::accumulate(t.begin(), t.end(), 0.0) / static_cast<double>(t.size());
    double s = 0.0;
    for (double x : t) s += (x - mean) * (x - mean);
    return std::sqrt(s / static_cast<double>(t.size()));
  };
  nn::Linear normal(400, 300, nn::init::normal(0.5), 11);
  BOOST_TEST(std_of(normal.weight().value()) == 0.5, tt::tolerance(0.01));
  BOOST_TEST(std_of(normal.bias().value()) == 0.5, tt::tolerance(0.15));
  nn::Linear he(400, 300, nn::init::he_normal(), 11);
  BOOST_TEST(std_of(he.weight().value()) == std::sqrt(2.0 / 400), tt::tolerance(0.01));
  BOOST_TEST(xt::amax(xt::abs(he.bias().value()))() == 0.0);
  nn::Linear glorot(400, 300, nn::init::glorot_uniform(), 11);
  const double bound = std::sqrt(6.0 / 700.0);
  BOOST_TEST(xt::amax(xt::abs(glorot.weight().value()))() <= bound);
  BOOST_TEST(std_of(glorot.weight().value()) == bound / std::sqrt(3.0), tt::tolerance(0.01));
  nn::Linear glorot_n(400, 300, nn::init::glorot_normal(), 11);
  BOOST_TEST(std_of(glorot_n.weight().value()) == std::sqrt(2.0 / 700.0), tt::tolerance(0.01));
  nn::Linear he_u(400, 300, nn::init::he_uniform(), 11);
  BOOST_TEST(xt::amax(xt::abs(he_u.weight().value()))() <= std::sqrt(6.0 / 400));

  // Same seed, same network; another seed, another one.
  const auto values = [](const nn::Module& m) { return nn::flatten(m.parameters()); };
  const ad::Tensor a =
      values(nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), 3));
  const ad::Tensor b =
      values(nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), 3));
  const ad::Tensor c =
      values(nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), 4));
  BOOST_TEST((a == b));
  BOOST_TEST(!(a == c));
  // W1 then b1 then W2 ...: the first weight is the generator's first normal, halved.
  nn::Generator g(3);
  BOOST_TEST(a(0) == 0.5 * g.normal());
}

// --- flat parameter vectors ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(flat_function_differentiates_in_all_parameters) {
  ad::current_tape().clear();
  const test_data::Curve curve = test_data::curve();
  nn::Sequential net = nn::mlp({1, 3, 2}, nn::Activation::tanh, nn::init::normal(0.5), 5);
  const std::vector<nn::Parameter> params = net.parameters();
  ad::Tensor x = ad::Tensor::from_shape({1, 4});
  ad::Tensor y = ad::Tensor::from_shape({2, 4});
  for (std::size_t j = 0; j < 4; ++j) {
    x(0, j) = curve.x(0, 20 * j);
    y(0, j) = curve.y(0, 20 * j);
    y(1, j) = curve.y(1, 20 * j);
  }
  const auto f = nn::flat_function(
      params, [&] { return nn::squared_error_cost(net(ad::constant(x)), ad::constant(y)); });
  const ad::Tensor theta = nn::flatten(params);
  BOOST_TEST(theta.size() == nn::flat_size(params));
  BOOST_TEST(theta.size() == 3u + 3u + 6u + 2u);

  // The gradient in θ equals the gradient accumulated into the parameters by backward().
  net.zero_grad();
  nn::squared_error_cost(net(ad::constant(x)), y).backward();
  const ad::Tensor direct = nn::flatten_grad(params);
  const ad::Tensor via_theta = ad::jacobian(f, theta);
  for (std::size_t i = 0; i < theta.size(); ++i) {
    BOOST_TEST(via_theta.data()[i] == direct(i), tt::tolerance(1e-13));
  }
  // The Hessian in θ is symmetric and matches finite differences of the gradient.
  const ad::Tensor h = ad::hessian(f, theta);
  BOOST_TEST((ad::shape_of(h) == ad::Shape{14, 14}));
  const double eps = 1e-6;
  for (std::size_t k = 0; k < theta.size(); k += 3) {
    ad::Tensor plus = theta;
    ad::Tensor minus = theta;
    plus(k) += eps;
    minus(k) -= eps;
    const ad::Tensor gp = ad::jacobian(f, plus);
    const ad::Tensor gm = ad::jacobian(f, minus);
    for (std::size_t i = 0; i < theta.size(); ++i) {
      const double fd = (gp.data()[i] - gm.data()[i]) / (2 * eps);
      BOOST_TEST(std::abs(h(i, k) - fd) <= 1e-6 * (1.0 + std::abs(fd)), h(i, k) << " vs " << fd);
    }
  }
  // The parameters themselves are untouched by flat evaluations.
  BOOST_TEST((nn::flatten(params) == theta));

  ad::Tensor shifted = theta + 1.0;
  nn::unflatten(shifted, params);
  BOOST_TEST((nn::flatten(params) == shifted));
  BOOST_CHECK_THROW(nn::unflatten(ad::Tensor::from_shape({3}), params), ad::ShapeError);
}

// --- checkpoints -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(checkpoint_round_trips_exactly_and_is_numpy_readable) {
  TempDir tmp("roundtrip");
  const fs::path dir = tmp.path / "ckpt";
  nn::Sequential saved = nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), 1);
  saved.assign("layers.0.bias", column({1.0 / 3.0, -0.0, 1e-300, 6.02e23, -2.5, 0.1}));
  nn::save_checkpoint(fs::path(dir), saved, {}, {{"iteration", "100"}});
  nn::Sequential loaded = nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), 2);
  BOOST_TEST(!(nn::flatten(loaded.parameters()) == nn::flatten(saved.parameters())));
  const nn::Checkpoint read = nn::load_checkpoint(dir, loaded);
  BOOST_TEST(read.sections.empty());
  BOOST_TEST((nn::flatten(loaded.parameters()) == nn::flatten(saved.parameters())));

  // The layout: a manifest and one .npy per parameter that numpy can read.
  const nlohmann::json manifest = nlohmann::json::parse(std::ifstream(dir / "manifest.json"));
  BOOST_TEST(manifest["format"] == "chainrule-checkpoint");
  BOOST_TEST(manifest["parameters"].size() == 6u);
  BOOST_TEST(manifest["parameters"][2]["name"] == "layers.2.weight");
  BOOST_TEST((manifest["parameters"][2]["shape"] == nlohmann::json::array({7, 6})));
  BOOST_TEST(manifest["metadata"]["iteration"] == "100");
  const fs::path npy = dir / manifest["parameters"][2]["file"].get<std::string>();
  std::ifstream in(npy, std::ios::binary);
  std::string head(128, '\0');
  in.read(head.data(), 128);
  BOOST_TEST(head.substr(0, 6) == "\x93NUMPY");
  BOOST_TEST(contains(head, "'descr': '<f8'"));
  BOOST_TEST(contains(head, "'shape': (7, 6)"));
  BOOST_TEST(fs::file_size(npy) == 128u + 42u * 8u);
  BOOST_TEST((nn::load_npy(npy) == saved.parameter("layers.2.weight").value()));

  // Saving again replaces the data directory: one generation on disk, no temp files.
  nn::save_checkpoint(dir, saved);
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e.path().filename().string());
  std::sort(entries.begin(), entries.end());
  BOOST_TEST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0] == "data-2");
  BOOST_TEST(entries[1] == "manifest.json");
  BOOST_TEST(nn::read_checkpoint(dir).metadata.empty());
}

BOOST_AUTO_TEST_CASE(interrupted_save_leaves_the_previous_checkpoint) {
  TempDir tmp("crash");
  const fs::path dir = tmp.path / "ckpt";
  nn::Sequential net = nn::mlp({2, 3}, nn::Activation::tanh, nn::init::normal(1.0), 1);
  nn::save_checkpoint(dir, net);
  const ad::Tensor before = nn::flatten(net.parameters());
  // A crash after writing new data but before the manifest was renamed: a half-written data
  // directory and a temp manifest lie around. Loading still gives the old checkpoint.
  fs::create_directories(dir / "data-2.tmp");
  std::ofstream(dir / "data-2.tmp" / "layers.0.weight.npy") << "garbage";
  std::ofstream(dir / "manifest.json.tmp") << "{\"format\": \"chain";
  nn::Sequential other = nn::mlp({2, 3}, nn::Activation::tanh, nn::init::normal(1.0), 9);
  nn::load_checkpoint(dir, other);
  BOOST_TEST((nn::flatten(other.parameters()) == before));
  // The next save cleans up its own leftovers, and only those, and commits.
  std::ofstream(dir / "data-notes.txt") << "the user's file";
  nn::save_checkpoint(dir, other);
  BOOST_TEST(!fs::exists(dir / "data-2.tmp"));
  BOOST_TEST(!fs::exists(dir / "manifest.json.tmp"));
  BOOST_TEST(fs::exists(dir / "data-notes.txt"));
  nn::load_checkpoint(dir, net);
}

BOOST_AUTO_TEST_CASE(mismatched_checkpoint_lists_every_difference_and_changes_nothing) {
  TempDir tmp("mismatch");
  const fs::path dir = tmp.path / "ckpt";
  nn::save_checkpoint(dir, nn::mlp({1, 6, 7, 2}, nn::Activation::sigmoid));
  nn::Sequential other = nn::mlp({1, 5, 7}, nn::Activation::sigmoid, nn::init::normal(1.0), 3);
  const ad::Tensor before = nn::flatten(other.parameters());
  const std::string m = message_of([&] { nn::load_checkpoint(dir, other); });
  BOOST_TEST(contains(m, "does not match the model"));
  BOOST_TEST(contains(
      m, "parameter 'layers.0.weight' has shape (6, 1) in the checkpoint but (5, 1) in the model"));
  BOOST_TEST(contains(
      m, "parameter 'layers.2.weight' has shape (7, 6) in the checkpoint but (7, 5) in the model"));
  BOOST_TEST(contains(m, "unexpected parameter 'layers.4.weight' (2, 7)"));
  BOOST_TEST(contains(m, "unexpected parameter 'layers.4.bias' (2, 1)"));
  BOOST_CHECK_THROW(nn::load_checkpoint(dir, other), nn::CheckpointError);
  BOOST_TEST((nn::flatten(other.parameters()) == before));

  nn::Sequential bigger = nn::mlp({1, 6, 7, 2, 2}, nn::Activation::sigmoid);
  BOOST_TEST(contains(message_of([&] { nn::load_checkpoint(dir, bigger); }),
                      "missing parameter 'layers.6.weight' (2, 2)"));
}

BOOST_AUTO_TEST_CASE(corrupt_truncated_and_missing_files_name_the_file) {
  TempDir tmp("corrupt");
  const fs::path dir = tmp.path / "ckpt";
  nn::Sequential net = nn::mlp({1, 6, 2}, nn::Activation::sigmoid);
  const auto fresh = [&] {
    fs::remove_all(dir);
    nn::save_checkpoint(dir, net);
    return dir /
           nlohmann::json::parse(std::ifstream(dir / "manifest.json"))["parameters"][2]["file"]
               .get<std::string>();
  };
  const auto load_error = [&] { return message_of([&] { nn::load_checkpoint(dir, net); }); };

  // No checkpoint at all.
  BOOST_TEST(contains(message_of([&] { nn::load_checkpoint(tmp.path / "nothing", net); }),
                      "no checkpoint directory"));
  fs::create_directories(tmp.path / "empty");
  BOOST_TEST(contains(message_of([&] { nn::load_checkpoint(tmp.path / "empty", net); }),
                      "manifest.json' does not exist"));

  // Truncated .npy: in the data, and inside the header.
  fs::path npy = fresh();
  fs::resize_file(npy, fs::file_size(npy) - 8);
  std::string m = load_error();
  BOOST_TEST(contains(m, npy.string()));
  BOOST_TEST(contains(m, "is truncated: shape (2, 6) needs 96 bytes of data, the file has 88"));
  fs::resize_file(npy, 40);
  BOOST_TEST(contains(load_error(), "is truncated: its header needs 128 bytes"));
  fs::resize_file(npy, 3);
  BOOST_TEST(contains(load_error(), "is truncated: 3 bytes"));

  // Missing .npy.
  npy = fresh();
  fs::remove(npy);
  m = load_error();
  BOOST_TEST(contains(m, "missing file"));
  BOOST_TEST(contains(m, npy.string()));

  // Not a .npy file; wrong dtype; extra bytes.
  npy = fresh();
  std::ofstream(npy, std::ios::binary) << "this is not numpy data at all";
  BOOST_TEST(contains(load_error(), "is not a .npy file"));
  npy = fresh();
  {
    std::fstream f(npy, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), {});
    bytes.replace(bytes.find("<f8"), 3, "<f4");
    f.seekp(0);
    f << bytes;
  }
  BOOST_TEST(contains(load_error(), "holds dtype '<f4', expected float64"));
  npy = fresh();
  std::ofstream(npy, std::ios::binary | std::ios::app) << "xx";
  BOOST_TEST(contains(load_error(), "2 unexpected bytes after the data"));

  // The manifest: corrupt JSON, truncated JSON, wrong format, shape disagreeing with the file.
  fresh();
  std::ofstream(dir / "manifest.json") << "{ not json";
  m = load_error();
  BOOST_TEST(contains(m, "manifest.json' is not valid JSON"));
  fresh();
  {
    std::string text((std::istreambuf_iterator<char>(std::ifstream(dir / "manifest.json").rdbuf())),
                     {});
    std::ofstream(dir / "manifest.json") << text.substr(0, text.size() / 2);
  }
  BOOST_TEST(contains(load_error(), "is not valid JSON"));
  fresh();
  std::ofstream(dir / "manifest.json") << R"({"format": "something-else"})";
  BOOST_TEST(contains(load_error(), "is not a chainrule checkpoint manifest"));
  npy = fresh();
  {
    nlohmann::json j = nlohmann::json::parse(std::ifstream(dir / "manifest.json"));
    j["parameters"][2]["shape"] = {6, 2};
    std::ofstream(dir / "manifest.json") << j.dump();
  }
  m = load_error();
  BOOST_TEST(contains(m, "holds shape (2, 6) but the manifest says (6, 2) for 'layers.2.weight'"));
  fresh();
  {
    nlohmann::json j = nlohmann::json::parse(std::ifstream(dir / "manifest.json"));
    j["parameters"][0]["file"] = "../../etc/passwd";
    std::ofstream(dir / "manifest.json") << j.dump();
  }
  BOOST_TEST(contains(load_error(), "points outside the checkpoint"));
  fresh();
  {
    nlohmann::json j = nlohmann::json::parse(std::ifstream(dir / "manifest.json"));
    j["parameters"][1].erase("shape");
    std::ofstream(dir / "manifest.json") << j.dump();
  }
  BOOST_TEST(contains(load_error(), "parameters[1] ('layers.0.bias') has no 'shape'"));
  BOOST_CHECK_THROW(nn::load_checkpoint(dir, net), nn::CheckpointError);
}

BOOST_AUTO_TEST_CASE(npy_reader_handles_fortran_order_and_long_headers) {
  TempDir tmp("npy");
  // Hand-made numpy files: a Fortran-ordered (2, 3) array, and a C-ordered one whose header
  // is longer than 127 bytes (numpy pads headers; lengths ≥ 0x80 break xnpy's reader).
  const auto write = [&](const fs::path& file, std::string header,
                         const std::vector<double>& data) {
    const std::size_t total = 10 + header.size() + 1;
    header += std::string((64 - total % 64) % 64, ' ') + "\n";
    std::string bytes = "\x93NUMPY";
    bytes += '\x01';
    bytes += '\x00';
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    bytes += header;
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(double));
    std::ofstream(file, std::ios::binary) << bytes;
  };
  write(tmp.path / "f.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
        {1, 4, 2, 5, 3, 6});
  const ad::Tensor f = nn::load_npy(tmp.path / "f.npy");
  BOOST_TEST((f == matrix(2, 3, {1, 2, 3, 4, 5, 6})));
  write(tmp.path / "long.npy",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }" + std::string(150, ' '),
        {7, 8});
  BOOST_TEST((nn::load_npy(tmp.path / "long.npy") == ad::Tensor{7.0, 8.0}));
  write(tmp.path / "scalar.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", {2.5});
  BOOST_TEST(nn::load_npy(tmp.path / "scalar.npy")() == 2.5);
  // save_npy writes what load_npy reads (a 0-d, a 1-d and a 3-d tensor).
  for (const ad::Tensor& t : {ad::Tensor(3.0), ad::Tensor{1.0, 2.0},
                              ad::Tensor(xt::arange<double>(24).reshape({2, 3, 4}))}) {
    nn::save_npy(tmp.path / "t.npy", t);
    BOOST_TEST((nn::load_npy(tmp.path / "t.npy") == t));
  }
}
