#include "outputs.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <chainrule/autodiff/graph.hpp>
#include <plot.hpp>
#include <run_json.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xsort.hpp>

namespace chainrule::curve {
namespace {

nlohmann::json rows_of(const ad::Tensor& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t r = 0; r < t.shape()[0]; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t c = 0; c < t.shape()[1]; ++c) row.push_back(t(r, c));
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

void write_json(const std::string& file, const CurveTrainer& trainer, const TrainResult& r,
                const std::string& init_file, const std::string& resumed_from) {
  const TrainOptions& o = trainer.options();
  nlohmann::json settings = {{"iterations", o.iterations},
                             {"aggression", o.aggression},
                             {"noise", o.noise},
                             {"seed", o.seed},
                             {"n1", o.n1},
                             {"n2", o.n2},
                             {"points", o.points},
                             {"optimizer", o.optimizer},
                             {"init", init_file},
                             {"resume", resumed_from}};
  nlohmann::json trajectory = nlohmann::json::array();
  for (const Progress& p : r.costs)
    trajectory.push_back({{"iteration", p.iteration}, {"cost", p.cost}});
  const nlohmann::json final_point = {
      {"iteration", r.costs.back().iteration}, {"cost", r.final_cost}, {"seconds", r.seconds}};
  nlohmann::json parameters = nlohmann::json::object();
  for (const auto& [name, p] : trainer.course_parameters()) parameters[name] = rows_of(p.value());
  examples::write_json(
      file, examples::run_json("backprop_curve", std::move(settings), std::move(trajectory),
                               final_point, std::move(parameters)));
}

void write_plot(const std::string& file, const CurveTrainer& trainer, const TrainResult& r) {
  // The target is periodic in x, so its drawing is closed; the network's need not be.
  const auto row_of = [](const ad::Tensor& y, std::size_t row, bool close) {
    std::vector<double> v(y.shape()[1]);
    for (std::size_t k = 0; k < y.shape()[1]; ++k) v[k] = y(row, k);
    if (close) v.push_back(v.front());
    return v;
  };
  const TrainOptions& o = trainer.options();
  plot::Figure figure("A 1-" + std::to_string(o.n1) + "-" + std::to_string(o.n2) +
                          "-2 sigmoid network learns to draw a heart",
                      "y1", "y2");
  figure.limits(0.0, 1.0, 0.0, 1.0);
  for (const ad::Tensor& drawn : r.drawn) {
    figure.line(row_of(drawn, 0, false), row_of(drawn, 1, false), plot::faded(plot::blue, 0.12),
                1.0);
  }
  const ad::Tensor& target = trainer.curve().y;
  figure.line(row_of(target, 0, true), row_of(target, 1, true), plot::faded(plot::black, 0.7), 3.0);
  const ad::Tensor final_curve = trainer.draw();
  figure.line(row_of(final_curve, 0, false), row_of(final_curve, 1, false), plot::red, 2.5);
  figure.legend("target", plot::black);
  figure.legend("training", plot::blue);
  figure.legend("final", plot::red);
  char text[96];
  std::snprintf(text, sizeof text, "cost %.5f after %zu iterations", r.final_cost,
                r.costs.back().iteration);
  figure.note(text);
  figure.save(file);
}

void check_jacobians(CurveTrainer& trainer) {
  trainer.evaluate();  // autodiff: every parameter's grad() is now its J
  const Curve& points = trainer.training_points();
  const course::Jacobians by_hand =
      course::hand_jacobians(trainer.course_network(), points.x, points.y);
  const std::pair<const char*, const ad::Tensor*> hand[] = {
      {"W1", &by_hand.W1}, {"b1", &by_hand.b1}, {"W2", &by_hand.W2},
      {"b2", &by_hand.b2}, {"W3", &by_hand.W3}, {"b3", &by_hand.b3}};
  std::string disagree;
  std::size_t k = 0;
  for (const auto& [name, parameter] : trainer.course_parameters()) {
    const ad::Tensor& autodiff = parameter.grad();
    const double size = xt::amax(xt::abs(*hand[k].second))();
    const double error = xt::amax(xt::abs(autodiff - *hand[k].second))();
    std::printf("J_%s = dC/d%s: largest |J| %.3e, |autodiff - by hand| <= %.3e\n", name.c_str(),
                name.c_str(), size, error);
    if (!(error <= 1e-10 * size)) disagree += " J_" + name;
    ++k;
  }
  if (!disagree.empty()) {
    throw std::runtime_error("autodiff and the hand-derived Jacobians disagree:" + disagree);
  }
  std::printf("autodiff and the course's hand-derived Jacobians agree\n");
}

void write_dot(const std::string& file, CurveTrainer& trainer) {
  std::ofstream dot(file);
  ad::write_dot(dot, trainer.record_cost());
  dot.close();
  if (!dot) throw std::runtime_error("cannot write '" + file + "'");
}

}  // namespace chainrule::curve
