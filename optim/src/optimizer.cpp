// First-order optimizers: in-place updates over raw storage, no allocation per step.

#include "chainrule/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>

#include <xtensor/xbuilder.hpp>

#include "chainrule/nn/module.hpp"

namespace chainrule::optim {
namespace {

[[noreturn]] void state_error(const std::string& message) {
  throw nn::CheckpointError("chainrule: optimizer state: " + message);
}

void require_finite(double x, const char* what, const std::string& optimizer) {
  if (!std::isfinite(x)) {
    throw ad::Error("chainrule: " + optimizer + ": " + what + " must be finite, got " +
                    std::to_string(x));
  }
}

}  // namespace

// --- Optimizer -------------------------------------------------------------------------------

Optimizer::Optimizer(std::vector<ad::Parameter> params, double learning_rate)
    : params_(std::move(params)), learning_rate_(learning_rate) {
  require_finite(learning_rate, "the learning rate", "Optimizer");
}

double Optimizer::current_learning_rate() const { return learning_rate_ * schedule_(steps_); }

void Optimizer::step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const ad::Parameter& p = params_[i];
    if (p.grad().size() != p.size()) {
      throw ad::ShapeError("chainrule: " + name() + "::step: parameter " + std::to_string(i) +
                           " ('" + p.name() + "') has value shape " + ad::to_string(p.shape()) +
                           " but gradient shape " + ad::to_string(ad::shape_of(p.grad())) +
                           "; call zero_grad() after reshaping a parameter");
    }
  }
  update(current_learning_rate());
  ++steps_;
}

void Optimizer::zero_grad() {
  for (ad::Parameter& p : params_) p.zero_grad();
}

std::vector<ad::Tensor> Optimizer::zeros_like_parameters() const {
  std::vector<ad::Tensor> out;
  out.reserve(params_.size());
  for (const ad::Parameter& p : params_) out.push_back(xt::zeros<double>(p.value().shape()));
  return out;
}

nn::OptimizerState Optimizer::state() const {
  nn::OptimizerState s;
  s.type = name();
  s.numbers["learning_rate"] = learning_rate_;
  s.numbers["steps"] = static_cast<double>(steps_);
  s.numbers["parameters"] = static_cast<double>(params_.size());
  save_extra(s);
  return s;
}

void Optimizer::check_state(const nn::OptimizerState& state) const {
  if (state.type != name()) {
    state_error("saved by " +
                (state.type.empty() ? std::string("an unnamed optimizer") : state.type) +
                ", cannot be loaded into " + name());
  }
  const double count = number(state, "parameters");
  if (count != static_cast<double>(params_.size())) {
    state_error(name() + " state is for " + std::to_string(static_cast<long long>(count)) +
                " parameters, this optimizer has " + std::to_string(params_.size()));
  }
  const double steps = number(state, "steps");
  if (!(steps >= 0) || steps != std::floor(steps)) {
    state_error("'steps' is " + std::to_string(steps) + ", not a step count");
  }
  require_finite(number(state, "learning_rate"), "the saved learning rate", name());
  check_extra(state);
}

void Optimizer::load_state(const nn::OptimizerState& state) {
  check_state(state);
  learning_rate_ = number(state, "learning_rate");
  steps_ = static_cast<std::int64_t>(number(state, "steps"));
  load_extra(state);
}

void Optimizer::save_tensors(nn::OptimizerState& state, const std::string& prefix,
                             const std::vector<ad::Tensor>& tensors) {
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    state.tensors.emplace_back(prefix + "." + std::to_string(i), tensors[i]);
  }
}

void Optimizer::check_tensors(const nn::OptimizerState& state, const std::string& prefix) const {
  std::vector<bool> found(params_.size(), false);
  for (const auto& [key, value] : state.tensors) {
    if (key.rfind(prefix + ".", 0) != 0) continue;
    const std::string index = key.substr(prefix.size() + 1);
    std::size_t i = params_.size();
    if (!index.empty() && index.size() < 10 &&
        std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      i = std::stoul(index);
    }
    if (i >= params_.size()) {
      state_error(name() + " state has tensor '" + key + "' but only " +
                  std::to_string(params_.size()) + " parameters");
    }
    const ad::Parameter& p = params_[i];
    if (value.shape() != p.value().shape()) {
      state_error(name() + " state '" + key + "' has shape " + ad::to_string(ad::shape_of(value)) +
                  " but parameter " + std::to_string(i) +
                  (p.name().empty() ? "" : " ('" + p.name() + "')") + " has shape " +
                  ad::to_string(p.shape()));
    }
    found[i] = true;
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (!found[i]) state_error(name() + " state has no '" + prefix + "." + std::to_string(i) + "'");
  }
}

void Optimizer::load_tensors(const nn::OptimizerState& state, const std::string& prefix,
                             std::vector<ad::Tensor>& tensors) {
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const std::string key = prefix + "." + std::to_string(i);
    for (const auto& [saved, value] : state.tensors) {
      if (saved == key) std::copy_n(value.data(), value.size(), tensors[i].data());
    }
  }
}

double Optimizer::number(const nn::OptimizerState& state, const std::string& key) {
  const auto it = state.numbers.find(key);
  if (it == state.numbers.end()) state_error(state.type + " state has no number '" + key + "'");
  return it->second;
}

const std::string& Optimizer::text(const nn::OptimizerState& state, const std::string& key) {
  const auto it = state.text.find(key);
  if (it == state.text.end()) state_error(state.type + " state has no text '" + key + "'");
  return it->second;
}

// --- SteepestDescent -------------------------------------------------------------------------

SteepestDescent::SteepestDescent(std::vector<ad::Parameter> params, double aggression)
    : Optimizer(std::move(params), aggression) {}

void SteepestDescent::update(double lr) {
  for (ad::Parameter& p : params_) {
    double* v = p.value().data();
    const double* g = p.grad().data();
    const std::size_t n = p.size();
    for (std::size_t i = 0; i < n; ++i) v[i] -= lr * g[i];
  }
}

// --- StochasticSteepestDescent ---------------------------------------------------------------

StochasticSteepestDescent::StochasticSteepestDescent(std::vector<ad::Parameter> params,
                                                     double aggression, double noise,
                                                     std::uint64_t seed)
    : Optimizer(std::move(params), aggression), noise_(noise), generator_(seed) {
  require_finite(noise, "noise", name());
}

void StochasticSteepestDescent::update(double lr) {
  for (ad::Parameter& p : params_) {
    const double scale = lr * (1.0 + noise_ * generator_.normal());  // one ξ per parameter
    double* v = p.value().data();
    const double* g = p.grad().data();
    const std::size_t n = p.size();
    for (std::size_t i = 0; i < n; ++i) v[i] -= scale * g[i];
  }
}

void StochasticSteepestDescent::save_extra(nn::OptimizerState& state) const {
  state.numbers["noise"] = noise_;
  state.text["generator"] = generator_.state();
}

void StochasticSteepestDescent::check_extra(const nn::OptimizerState& state) const {
  require_finite(number(state, "noise"), "the saved noise", name());
  nn::Generator generator;
  const std::string& saved = text(state, "generator");
  try {
    generator.set_state(saved);
  } catch (const ad::Error& e) {
    state_error(name() + " generator: " + e.what());
  }
}

void StochasticSteepestDescent::load_extra(const nn::OptimizerState& state) {
  noise_ = number(state, "noise");
  generator_.set_state(text(state, "generator"));
}

// --- Momentum --------------------------------------------------------------------------------

Momentum::Momentum(std::vector<ad::Parameter> params, double learning_rate, double momentum,
                   bool nesterov)
    : Optimizer(std::move(params), learning_rate),
      momentum_(momentum),
      nesterov_(nesterov),
      velocity_(zeros_like_parameters()) {
  require_finite(momentum, "momentum", name());
}

void Momentum::update(double lr) {
  const double mu = momentum_;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    double* p = params_[k].value().data();
    const double* g = params_[k].grad().data();
    double* v = velocity_[k].data();
    const std::size_t n = params_[k].size();
    if (nesterov_) {
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = mu * v[i] + g[i];
        p[i] -= lr * (g[i] + mu * v[i]);
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = mu * v[i] + g[i];
        p[i] -= lr * v[i];
      }
    }
  }
}

void Momentum::save_extra(nn::OptimizerState& state) const {
  state.numbers["momentum"] = momentum_;
  state.numbers["nesterov"] = nesterov_ ? 1.0 : 0.0;
  save_tensors(state, "velocity", velocity_);
}

void Momentum::check_extra(const nn::OptimizerState& state) const {
  number(state, "momentum");
  number(state, "nesterov");
  check_tensors(state, "velocity");
}

void Momentum::load_extra(const nn::OptimizerState& state) {
  momentum_ = number(state, "momentum");
  nesterov_ = number(state, "nesterov") != 0.0;
  load_tensors(state, "velocity", velocity_);
}

// --- RMSProp ---------------------------------------------------------------------------------

RMSProp::RMSProp(std::vector<ad::Parameter> params, double learning_rate, double rho,
                 double epsilon)
    : Optimizer(std::move(params), learning_rate),
      rho_(rho),
      epsilon_(epsilon),
      square_avg_(zeros_like_parameters()) {
  require_finite(rho, "rho", name());
  require_finite(epsilon, "epsilon", name());
}

void RMSProp::update(double lr) {
  const double rho = rho_;
  const double eps = epsilon_;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    double* p = params_[k].value().data();
    const double* g = params_[k].grad().data();
    double* s = square_avg_[k].data();
    const std::size_t n = params_[k].size();
    for (std::size_t i = 0; i < n; ++i) {
      s[i] = rho * s[i] + (1.0 - rho) * g[i] * g[i];
      p[i] -= lr * g[i] / (std::sqrt(s[i]) + eps);
    }
  }
}

void RMSProp::save_extra(nn::OptimizerState& state) const {
  state.numbers["rho"] = rho_;
  state.numbers["epsilon"] = epsilon_;
  save_tensors(state, "square_avg", square_avg_);
}

void RMSProp::check_extra(const nn::OptimizerState& state) const {
  number(state, "rho");
  number(state, "epsilon");
  check_tensors(state, "square_avg");
}

void RMSProp::load_extra(const nn::OptimizerState& state) {
  rho_ = number(state, "rho");
  epsilon_ = number(state, "epsilon");
  load_tensors(state, "square_avg", square_avg_);
}

// --- Adam ------------------------------------------------------------------------------------

Adam::Adam(std::vector<ad::Parameter> params, double learning_rate, double beta1, double beta2,
           double epsilon)
    : Optimizer(std::move(params), learning_rate),
      beta1_(beta1),
      beta2_(beta2),
      epsilon_(epsilon),
      m_(zeros_like_parameters()),
      v_(zeros_like_parameters()) {
  require_finite(beta1, "beta1", name());
  require_finite(beta2, "beta2", name());
  require_finite(epsilon, "epsilon", name());
}

void Adam::update(double lr) {
  const double t = static_cast<double>(steps() + 1);
  const double b1 = beta1_;
  const double b2 = beta2_;
  const double correction1 = 1.0 - std::pow(b1, t);
  const double correction2 = 1.0 - std::pow(b2, t);
  const double eps = epsilon_;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    double* p = params_[k].value().data();
    const double* g = params_[k].grad().data();
    double* m = m_[k].data();
    double* v = v_[k].data();
    const std::size_t n = params_[k].size();
    for (std::size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1.0 - b1) * g[i];
      v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
      const double m_hat = m[i] / correction1;
      const double v_hat = v[i] / correction2;
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
}

void Adam::save_extra(nn::OptimizerState& state) const {
  state.numbers["beta1"] = beta1_;
  state.numbers["beta2"] = beta2_;
  state.numbers["epsilon"] = epsilon_;
  save_tensors(state, "m", m_);
  save_tensors(state, "v", v_);
}

void Adam::check_extra(const nn::OptimizerState& state) const {
  number(state, "beta1");
  number(state, "beta2");
  number(state, "epsilon");
  check_tensors(state, "m");
  check_tensors(state, "v");
}

void Adam::load_extra(const nn::OptimizerState& state) {
  beta1_ = number(state, "beta1");
  beta2_ = number(state, "beta2");
  epsilon_ = number(state, "epsilon");
  load_tensors(state, "m", m_);
  load_tensors(state, "v", v_);
}

// --- by name ---------------------------------------------------------------------------------

std::unique_ptr<Optimizer> make_optimizer(const std::string& name,
                                          std::vector<ad::Parameter> params,
                                          const OptimizerOptions& o) {
  if (name == "steepest")
    return std::make_unique<SteepestDescent>(std::move(params), o.learning_rate);
  if (name == "stochastic") {
    return std::make_unique<StochasticSteepestDescent>(std::move(params), o.learning_rate, o.noise,
                                                       o.seed);
  }
  if (name == "momentum" || name == "nesterov") {
    return std::make_unique<Momentum>(std::move(params), o.learning_rate, o.momentum,
                                      name == "nesterov");
  }
  if (name == "rmsprop") {
    return std::make_unique<RMSProp>(std::move(params), o.learning_rate, o.rho, o.epsilon);
  }
  if (name == "adam") {
    return std::make_unique<Adam>(std::move(params), o.learning_rate, o.beta1, o.beta2, o.epsilon);
  }
  throw nn::NameError("chainrule: make_optimizer: unknown optimizer '" + name +
                      "'; choose steepest, stochastic, momentum, nesterov, rmsprop or adam");
}

}  // namespace chainrule::optim
