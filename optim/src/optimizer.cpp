// The Optimizer base: parameter groups, the declared state (save, load, validation, shape
// checks from one list per optimizer), and step().

#include "chainrule/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <xtensor/xbuilder.hpp>

#include "chainrule/nn/module.hpp"

namespace chainrule::optim {
namespace {

// The largest count a double holds exactly: saved step and parameter counts must be below it.
constexpr double largest_count = 9007199254740992.0;  // 2⁵³

std::string format(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

[[noreturn]] void state_error(const std::string& message) {
  throw nn::CheckpointError("chainrule: optimizer state: " + message);
}

const Interval learning_rates{};  // [0, ∞)

void require(const Interval& valid, double value, const std::string& where,
             const std::string& what) {
  if (!valid.contains(value)) {
    throw HyperparameterError("chainrule: " + where + ": " + what + " must be in " +
                              valid.to_string() + ", got " + format(value));
  }
}

double saved_number(const OptimizerState& state, const std::string& key) {
  const auto it = state.numbers.find(key);
  if (it == state.numbers.end()) state_error(state.type + " state has no number '" + key + "'");
  return it->second;
}

// A count from a file: an integer in [0, 2⁵³], checked before it is converted.
std::uint64_t saved_count(const OptimizerState& state, const std::string& key) {
  const double x = saved_number(state, key);
  if (!(x >= 0.0 && x <= largest_count && x == std::floor(x))) {
    state_error(state.type + " state: '" + key + "' is " + format(x) +
                ", not an integer in [0, 2^53]");
  }
  return static_cast<std::uint64_t>(x);
}

// A hyperparameter from a file, in its interval.
double saved_value(const OptimizerState& state, const std::string& key, const Interval& valid) {
  const double x = saved_number(state, key);
  if (!valid.contains(x)) {
    state_error(state.type + " state: '" + key + "' must be in " + valid.to_string() + ", got " +
                format(x));
  }
  return x;
}

std::string group_key(std::size_t group) {
  return "group." + std::to_string(group) + ".learning_rate";
}

}  // namespace

// --- intervals and groups --------------------------------------------------------------------

bool Interval::contains(double x) const {
  if (!std::isfinite(x)) return false;
  const bool above = lo_open ? x > lo : x >= lo;
  const bool below = hi_open ? x < hi : x <= hi;
  return above && below;
}

std::string Interval::to_string() const {
  return std::string(lo_open ? "(" : "[") + format(lo) + ", " + format(hi) + (hi_open ? ")" : "]");
}

ParameterGroups::ParameterGroups(std::vector<ad::Parameter> params)
    : groups{ParameterGroup{std::move(params), std::nullopt}} {}
ParameterGroups::ParameterGroups(std::initializer_list<ad::Parameter> params)
    : ParameterGroups(std::vector<ad::Parameter>(params)) {}
ParameterGroups::ParameterGroups(std::vector<ParameterGroup> list) : groups(std::move(list)) {}
ParameterGroups::ParameterGroups(std::initializer_list<ParameterGroup> list) : groups(list) {}

// --- Optimizer -------------------------------------------------------------------------------

Optimizer::Optimizer(std::string name, ParameterGroups params, double learning_rate)
    : name_(std::move(name)), learning_rate_(learning_rate) {
  require(learning_rates, learning_rate, name_, "the learning rate");
  for (std::size_t g = 0; g < params.groups.size(); ++g) {
    const ParameterGroup& group = params.groups[g];
    if (group.learning_rate) {
      require(learning_rates, *group.learning_rate, name_,
              "the learning rate of group " + std::to_string(g));
    }
    group_rates_.push_back(group.learning_rate);
    for (const ad::Parameter& p : group.parameters) {
      params_.push_back(p);
      group_of_.push_back(g);
    }
  }
}

void Optimizer::set_learning_rate(double learning_rate) {
  require(learning_rates, learning_rate, name_ + "::set_learning_rate", "the learning rate");
  learning_rate_ = learning_rate;
}

double Optimizer::learning_rate(std::size_t group) const {
  if (group >= group_rates_.size()) {
    throw ad::Error("chainrule: " + name_ + "::learning_rate: no group " + std::to_string(group) +
                    " (it has " + std::to_string(group_rates_.size()) + ")");
  }
  return group_rates_[group].value_or(learning_rate_);
}

void Optimizer::set_learning_rate(std::size_t group, double learning_rate) {
  if (group >= group_rates_.size()) {
    throw ad::Error("chainrule: " + name_ + "::set_learning_rate: no group " +
                    std::to_string(group) + " (it has " + std::to_string(group_rates_.size()) +
                    ")");
  }
  require(learning_rates, learning_rate, name_ + "::set_learning_rate",
          "the learning rate of group " + std::to_string(group));
  group_rates_[group] = learning_rate;
}

double Optimizer::current_learning_rate() const { return learning_rate_ * schedule_(steps_); }

double Optimizer::current_learning_rate(std::size_t group) const {
  return learning_rate(group) * schedule_(steps_);
}

void Optimizer::check_shapes() const {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const ad::Parameter& p = params_[i];
    if (!p.requires_grad()) continue;  // frozen: neither read nor written
    const std::string which = "parameter " + std::to_string(i) +
                              (p.name().empty() ? "" : " ('" + p.name() + "')") + " has shape " +
                              ad::to_string(p.shape());
    if (p.grad().shape() != p.value().shape()) {
      throw ad::ShapeError("chainrule: " + name_ + "::step: " + which + " but gradient shape " +
                           ad::to_string(ad::shape_of(p.grad())) +
                           "; call zero_grad() after reshaping a parameter");
    }
    for (const Tensors& t : tensors_) {
      const ad::Tensor& state = (*t.field)[i];
      if (state.shape() != p.value().shape()) {
        throw ad::ShapeError("chainrule: " + name_ + "::step: " + which + " but its state '" +
                             t.name + "' has shape " + ad::to_string(ad::shape_of(state)) +
                             " (the parameter changed shape after the optimizer was made: "
                             "make a new optimizer)");
      }
    }
  }
}

void Optimizer::step() {
  check_shapes();
  const double factor = schedule_(steps_);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].requires_grad()) update(i, learning_rate(group_of_[i]) * factor);
  }
  for (ad::Parameter& p : params_) {
    if (p.requires_grad()) p.mark_modified();  // Vars recorded before are stale now
  }
  ++steps_;
}

void Optimizer::zero_grad() {
  for (ad::Parameter& p : params_) p.zero_grad();
}

// --- declared state --------------------------------------------------------------------------

void Optimizer::declare_hyperparameter(const std::string& name, double& field, Interval valid) {
  require(valid, field, name_, name);
  hyperparameters_.push_back({name, &field, valid});
}

void Optimizer::declare_flag(const std::string& name, bool& field) {
  flags_.push_back({name, &field});
}

void Optimizer::declare_tensors(const std::string& name, std::vector<ad::Tensor>& field) {
  field.clear();
  field.reserve(params_.size());
  for (const ad::Parameter& p : params_) field.push_back(xt::zeros<double>(p.value().shape()));
  tensors_.push_back({name, &field});
}

void Optimizer::declare_text(const std::string& name, std::function<std::string()> save,
                             std::function<void(const std::string&)> check,
                             std::function<void(const std::string&)> load) {
  texts_.push_back({name, std::move(save), std::move(check), std::move(load)});
}

std::vector<std::string> Optimizer::hyperparameter_names() const {
  std::vector<std::string> out;
  for (const Hyperparameter& h : hyperparameters_) out.push_back(h.name);
  return out;
}

const Optimizer::Hyperparameter& Optimizer::find_hyperparameter(const std::string& name) const {
  for (const Hyperparameter& h : hyperparameters_) {
    if (h.name == name) return h;
  }
  std::string known;
  for (const Hyperparameter& h : hyperparameters_) known += (known.empty() ? "" : ", ") + h.name;
  throw ad::Error("chainrule: " + name_ + ": no hyperparameter '" + name + "' (it has " +
                  (known.empty() ? std::string("none besides the learning rate") : known) + ")");
}

double Optimizer::hyperparameter(const std::string& name) const {
  return *find_hyperparameter(name).field;
}

void Optimizer::set_hyperparameter(const std::string& name, double value) {
  const Hyperparameter& h = find_hyperparameter(name);
  require(h.valid, value, name_ + "::set_hyperparameter", name);
  *h.field = value;
}

OptimizerState Optimizer::state() const {
  OptimizerState s;
  s.type = name_;
  s.numbers["learning_rate"] = learning_rate_;
  s.numbers["steps"] = static_cast<double>(steps_);
  s.numbers["parameters"] = static_cast<double>(params_.size());
  s.numbers["groups"] = static_cast<double>(group_rates_.size());
  for (std::size_t g = 0; g < group_rates_.size(); ++g) {
    if (group_rates_[g]) s.numbers[group_key(g)] = *group_rates_[g];
  }
  for (const Hyperparameter& h : hyperparameters_) s.numbers[h.name] = *h.field;
  for (const Flag& f : flags_) s.numbers[f.name] = *f.field ? 1.0 : 0.0;
  for (const Tensors& t : tensors_) {
    for (std::size_t i = 0; i < t.field->size(); ++i) {
      s.tensors.emplace_back(t.name + "." + std::to_string(i), (*t.field)[i]);
    }
  }
  for (const Text& t : texts_) s.text[t.name] = t.save();
  return s;
}

void Optimizer::check_state(const OptimizerState& state) const {
  if (state.type != name_) {
    state_error("saved by " +
                (state.type.empty() ? std::string("an unnamed optimizer") : state.type) +
                ", cannot be loaded into " + name_);
  }
  const std::uint64_t count = saved_count(state, "parameters");
  if (count != params_.size()) {
    state_error(name_ + " state is for " + std::to_string(count) +
                " parameters, this optimizer has " + std::to_string(params_.size()));
  }
  (void)saved_count(state, "steps");
  const std::uint64_t groups =
      state.numbers.count("groups") != 0 ? saved_count(state, "groups") : 1;  // before groups
  if (groups != group_rates_.size()) {
    state_error(name_ + " state has " + std::to_string(groups) +
                " parameter groups, this optimizer has " + std::to_string(group_rates_.size()));
  }
  (void)saved_value(state, "learning_rate", learning_rates);
  for (std::size_t g = 0; g < group_rates_.size(); ++g) {
    if (state.numbers.count(group_key(g)) != 0) {
      (void)saved_value(state, group_key(g), learning_rates);
    }
  }
  for (const Hyperparameter& h : hyperparameters_) (void)saved_value(state, h.name, h.valid);
  for (const Flag& f : flags_) (void)saved_value(state, f.name, Interval{0.0, 1.0, false, false});
  for (const Tensors& t : tensors_) {
    std::vector<bool> found(params_.size(), false);
    const std::string prefix = t.name + ".";
    for (const auto& [key, value] : state.tensors) {
      if (key.rfind(prefix, 0) != 0) continue;
      const std::string index = key.substr(prefix.size());
      std::size_t i = params_.size();
      if (!index.empty() && index.size() < 10 &&
          std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        i = std::stoul(index);
      }
      if (i >= params_.size()) {
        state_error(name_ + " state has tensor '" + key + "' but only " +
                    std::to_string(params_.size()) + " parameters");
      }
      const ad::Parameter& p = params_[i];
      if (value.shape() != p.value().shape()) {
        state_error(name_ + " state '" + key + "' has shape " + ad::to_string(ad::shape_of(value)) +
                    " but parameter " + std::to_string(i) +
                    (p.name().empty() ? "" : " ('" + p.name() + "')") + " has shape " +
                    ad::to_string(p.shape()));
      }
      found[i] = true;
    }
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (!found[i]) state_error(name_ + " state has no '" + prefix + std::to_string(i) + "'");
    }
  }
  for (const Text& t : texts_) {
    const auto it = state.text.find(t.name);
    if (it == state.text.end()) state_error(name_ + " state has no text '" + t.name + "'");
    try {
      t.check(it->second);
    } catch (const ad::Error& e) {
      state_error(name_ + " " + t.name + ": " + e.what());
    }
  }
}

void Optimizer::load_state(const OptimizerState& state) {
  check_state(state);
  learning_rate_ = saved_number(state, "learning_rate");
  steps_ = static_cast<std::int64_t>(saved_count(state, "steps"));
  for (std::size_t g = 0; g < group_rates_.size(); ++g) {
    const auto it = state.numbers.find(group_key(g));
    group_rates_[g] = it == state.numbers.end() ? std::nullopt : std::optional<double>(it->second);
  }
  for (const Hyperparameter& h : hyperparameters_) *h.field = saved_number(state, h.name);
  for (const Flag& f : flags_) *f.field = saved_number(state, f.name) != 0.0;
  for (const Tensors& t : tensors_) {
    for (std::size_t i = 0; i < t.field->size(); ++i) {
      const std::string key = t.name + "." + std::to_string(i);
      for (const auto& [saved, value] : state.tensors) {
        if (saved == key) std::copy_n(value.data(), value.size(), (*t.field)[i].data());
      }
    }
  }
  for (const Text& t : texts_) t.load(state.text.at(t.name));
}

// --- SteepestDescent -------------------------------------------------------------------------

SteepestDescent::SteepestDescent(ParameterGroups params, double aggression)
    : Optimizer("SteepestDescent", std::move(params), aggression) {}

void SteepestDescent::update(std::size_t index, double lr) {
  ad::Parameter& p = params_[index];
  double* v = p.value().data();
  const double* g = p.grad().data();
  const std::size_t n = p.size();
  for (std::size_t i = 0; i < n; ++i) v[i] -= lr * g[i];
}

// --- StochasticSteepestDescent ---------------------------------------------------------------

StochasticSteepestDescent::StochasticSteepestDescent(ParameterGroups params, double aggression,
                                                     double noise, std::uint64_t seed)
    : Optimizer("StochasticSteepestDescent", std::move(params), aggression),
      noise_(noise),
      generator_(seed) {
  declare_hyperparameter("noise", noise_, Interval{});
  declare_text(
      "generator", [this] { return generator_.state(); },
      [](const std::string& text) { nn::Generator().set_state(text); },
      [this](const std::string& text) { generator_.set_state(text); });
}

void StochasticSteepestDescent::update(std::size_t index, double lr) {
  ad::Parameter& p = params_[index];
  const double scale = lr * (1.0 + noise_ * generator_.normal());  // one ξ per parameter
  double* v = p.value().data();
  const double* g = p.grad().data();
  const std::size_t n = p.size();
  for (std::size_t i = 0; i < n; ++i) v[i] -= scale * g[i];
}

// --- Momentum --------------------------------------------------------------------------------

Momentum::Momentum(ParameterGroups params, double learning_rate, double momentum, bool nesterov)
    : Optimizer("Momentum", std::move(params), learning_rate),
      momentum_(momentum),
      nesterov_(nesterov) {
  declare_hyperparameter("momentum", momentum_, Interval{0.0, 1.0});
  declare_flag("nesterov", nesterov_);
  declare_tensors("velocity", velocity_);
}

void Momentum::update(std::size_t index, double lr) {
  const double mu = momentum_;
  double* p = params_[index].value().data();
  const double* g = params_[index].grad().data();
  double* v = velocity_[index].data();
  const std::size_t n = params_[index].size();
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

// --- RMSProp ---------------------------------------------------------------------------------

RMSProp::RMSProp(ParameterGroups params, double learning_rate, double rho, double epsilon)
    : Optimizer("RMSProp", std::move(params), learning_rate), rho_(rho), epsilon_(epsilon) {
  declare_hyperparameter("rho", rho_, Interval{0.0, 1.0});
  declare_hyperparameter("epsilon", epsilon_, Interval{.lo_open = true});
  declare_tensors("square_avg", square_avg_);
}

void RMSProp::update(std::size_t index, double lr) {
  const double rho = rho_;
  const double eps = epsilon_;
  double* p = params_[index].value().data();
  const double* g = params_[index].grad().data();
  double* s = square_avg_[index].data();
  const std::size_t n = params_[index].size();
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = rho * s[i] + (1.0 - rho) * g[i] * g[i];
    p[i] -= lr * g[i] / (std::sqrt(s[i]) + eps);
  }
}

// --- Adam ------------------------------------------------------------------------------------

Adam::Adam(ParameterGroups params, double learning_rate, double beta1, double beta2, double epsilon)
    : Optimizer("Adam", std::move(params), learning_rate),
      beta1_(beta1),
      beta2_(beta2),
      epsilon_(epsilon) {
  declare_hyperparameter("beta1", beta1_, Interval{0.0, 1.0});
  declare_hyperparameter("beta2", beta2_, Interval{0.0, 1.0});
  declare_hyperparameter("epsilon", epsilon_, Interval{.lo_open = true});
  declare_tensors("m", m_);
  declare_tensors("v", v_);
}

void Adam::update(std::size_t index, double lr) {
  const double t = static_cast<double>(steps() + 1);
  const double b1 = beta1_;
  const double b2 = beta2_;
  const double correction1 = 1.0 - std::pow(b1, t);
  const double correction2 = 1.0 - std::pow(b2, t);
  const double eps = epsilon_;
  double* p = params_[index].value().data();
  const double* g = params_[index].grad().data();
  double* m = m_[index].data();
  double* v = v_[index].data();
  const std::size_t n = params_[index].size();
  for (std::size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1.0 - b1) * g[i];
    v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
    const double m_hat = m[i] / correction1;
    const double v_hat = v[i] / correction2;
    p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
  }
}

// --- by name ---------------------------------------------------------------------------------

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, ParameterGroups params,
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
