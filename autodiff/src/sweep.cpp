// The reverse sweeps: one backwards loop over the tape, in tensor mode or recorded.

#include "sweep.hpp"

#include <utility>

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/errors.hpp"

namespace chainrule::ad::detail {
namespace {

// Marks, in state.flags over [lowest, output], the nodes the sweep must visit (`needed`):
// an input or a node that depends on one. Nothing is reached yet. With no inputs named, a
// node is needed when it requires a gradient, which the sweep reads from the node itself.
void mark_needed(const TapeImpl& tape, SweepState& state, std::uint32_t output,
                 std::span<const std::uint32_t> inputs) {
  const std::uint32_t lowest =
      inputs.empty() ? 0 : std::min(*std::min_element(inputs.begin(), inputs.end()), output);
  state.lowest = lowest;
  const std::size_t count = output - lowest + 1;
  state.flags.assign(count, 0);
  if (state.adjoints.size() < count) state.adjoints.resize(count);  // grows, buffers kept
  state.every_requiring = inputs.empty();
  if (inputs.empty()) return;
  for (std::uint32_t i : inputs) {
    if (i <= output) state.flags[i - lowest] = SweepState::needed | SweepState::kept;
  }
  for (std::uint32_t i = lowest; i <= output; ++i) {
    const Node& n = tape.node(i);
    if (state.flags[i - lowest] != 0 || n.is_leaf()) continue;
    const bool needed = std::any_of(n.inputs.begin(), n.inputs.end(), [&](std::uint32_t k) {
      return k >= lowest && state.flags[k - lowest] != 0;
    });
    if (needed) state.flags[i - lowest] = SweepState::needed;
  }
}

void check_seed(const Tensor& output, const Tensor& seed) {
  if (!shapes_equal(output.shape(), seed.shape())) {
    throw ShapeError("chainrule: backward: the seed gradient has shape " +
                     to_string(shape_of(seed)) + " but the output has shape " +
                     to_string(shape_of(output)));
  }
}

// Runs n's backward rule. An anomaly raised inside it, by an operation the rule records
// (with create_graph, or in a user Function's backward), is reported as n's: the user
// wants to know which of *their* operations went wrong, not that some internal "div" did.
template <class Backward>
void run_backward(const Node& n, Backward&& backward) {
  try {
    backward();
  } catch (const AnomalyError& e) {
    throw AnomalyError(std::string("chainrule: anomaly: '") + n.name() +
                       "' produced a non-finite gradient in its backward (" + e.what() + ")");
  }
}

// The Parameter leaves n reads (and n itself, if one) still hold the values recorded.
void check_versions(TapeImpl& tape, const Node& n, const char* op) {
  if (n.leaf == LeafKind::parameter) check_version(n, op);
  if (!n.reads_parameter) return;
  for (std::uint32_t k : n.inputs) {
    const Node& input = tape.node(k);
    if (input.leaf == LeafKind::parameter) check_version(input, op);
  }
}

void check_adjoints(const TapeImpl& tape, const SweepState& state, const Node& n) {
  for (std::uint32_t k : n.inputs) {
    const Node& input = tape.node(k);
    if (state.into_parameters && input.leaf == LeafKind::parameter) {
      check_finite(input.parameter->materialized_grad(), n.name(), "gradient");
    } else if (k >= state.lowest && (state.flags[k - state.lowest] & SweepState::reached) != 0) {
      check_finite(state.adjoints[k - state.lowest], n.name(), "gradient");
    }
  }
}

}  // namespace

void check_version(const Node& n, const char* op) {
  const std::uint64_t recorded = n.get_params<RecordedVersion>().version;
  const std::uint64_t now = n.parameter->version.load(std::memory_order_relaxed);
  if (recorded == now) return;
  const std::string& name = n.parameter->name;
  throw TapeError(std::string("chainrule: ") + op + ": parameter " +
                  (name.empty() ? std::string("(unnamed)") : "'" + name + "'") + " of shape " +
                  to_string(shape_of(n.parameter->value)) +
                  " was modified (assigned, resized or stepped) after it was recorded on the "
                  "tape (version " +
                  std::to_string(recorded) + ", now " + std::to_string(now) +
                  "); record it again with var() after changing it");
}

Tensor& leaf_grad(Node& n) {
  if (n.parameter) return n.parameter->materialized_grad();
  Tensor& g = n.extra().grad;
  if (!shapes_equal(g.shape(), n.val().shape())) g = xt::zeros<double>(n.val().shape());
  return g;
}

void accumulate_tensor(Tensor& adjoint, bool assign, const Tensor& value,
                       const Tensor& contribution) {
  if (!shapes_equal(contribution.shape(), value.shape())) {
    reduce_into(contribution, adjoint, shape_span(value), assign);
    return;
  }
  const double* c = contribution.data();
  const std::size_t n = contribution.size();
  if (assign) {
    reshape_to(adjoint, contribution.shape());
    std::copy(c, c + n, adjoint.data());
    return;
  }
  double* a = adjoint.data();
  for (std::size_t i = 0; i < n; ++i) a[i] += c[i];
}

void reset_leaf_grad(Node& n) {
  if (n.extras && n.extras->grad.size() != 0) n.extras->grad.fill(0.0);
}

Var record_constant(TapeImpl& tape, Tensor value) {
  const std::uint32_t index = tape.push(nullptr);
  reset_leaf_grad(tape.node(index));
  tape.node(index).value = std::move(value);
  return tape.handle(index);
}

Sweep::Sweep(TapeImpl& tape, std::uint32_t output, std::span<const std::uint32_t> inputs,
             const char* op)
    : tape_(tape), state_(tape.sweep_state(tape.enter_sweep())), output_(output), op_(op) {
  try {
    mark_needed(tape, state_, output, inputs);
  } catch (...) {
    tape.leave_sweep();
    throw;
  }
}

void Sweep::run(const Tensor& seed, bool accumulate_leaves) {
  const Node& out = tape_.node(output_);
  check_versions(tape_, out, op_);
  state_.into_parameters = accumulate_leaves;
  check_seed(out.val(), seed);
  const std::uint32_t lowest = state_.lowest;
  if (!sweep_needs(state_, tape_, output_)) return;
  std::uint8_t& out_flags = state_.flags[output_ - lowest];
  state_.prepare_adjoint(output_ - lowest, seed.size());
  xt::noalias(state_.adjoints[output_ - lowest]) = seed;
  out_flags |= SweepState::needed | SweepState::reached;
  const bool anomaly = detect_anomaly();
  for (std::uint32_t i = output_ + 1; i-- > lowest;) {
    constexpr std::uint8_t visit = SweepState::needed | SweepState::reached;
    if ((state_.flags[i - lowest] & visit) != visit) continue;
    Node& n = tape_.node(i);
    if (n.is_leaf()) {
      if (accumulate_leaves && n.requires_grad) {
        const Tensor& adjoint = state_.adjoints[i - lowest];
        if (n.parameter) {  // only when the output is the parameter's leaf itself
          n.parameter->add_to_grad(
              [&](Tensor& g, bool assign) { accumulate_tensor(g, assign, n.val(), adjoint); });
        } else {
          accumulate_tensor(leaf_grad(n), /*assign=*/false, n.val(), adjoint);
        }
      }
      state_.release_adjoint(i - lowest);
      continue;
    }
    check_versions(tape_, n, op_);
    TensorSweep sweep(tape_, state_, i);
    run_backward(n, [&] { n.rule->backward(sweep); });
    if (anomaly) check_adjoints(tape_, state_, n);
    state_.release_adjoint(i - lowest);
  }
}

std::vector<Var> Sweep::run_recorded(const Var& seed, std::span<const std::uint32_t> inputs) {
  check_versions(tape_, tape_.node(output_), op_);
  check_seed(tape_.node(output_).val(), seed.value());
  const std::uint32_t lowest = state_.lowest;
  std::vector<Var>& adjoints = state_.var_adjoints;
  adjoints.assign(output_ - lowest + 1, Var());
  if (sweep_needs(state_, tape_, output_)) adjoints.back() = seed;
  const bool anomaly = detect_anomaly();
  for (std::uint32_t i = output_ + 1; i-- > lowest;) {
    Node& n = tape_.node(i);
    if (!sweep_needs(state_, tape_, i) || n.is_leaf() || !adjoints[i - lowest].valid()) {
      continue;
    }
    check_versions(tape_, n, op_);
    GraphSweep sweep(tape_, state_, i);
    run_backward(n, [&] { n.rule->backward_graph(sweep); });
    if (anomaly) {
      for (std::uint32_t k : tape_.node(i).inputs) {
        if (k >= lowest && adjoints[k - lowest].valid()) {
          check_finite(adjoints[k - lowest].value(), tape_.node(i).name(), "gradient");
        }
      }
    }
  }
  std::vector<Var> result;
  result.reserve(inputs.size());
  for (std::uint32_t i : inputs) {
    if (i >= lowest && i <= output_ && adjoints[i - lowest].valid()) {
      result.push_back(adjoints[i - lowest]);
    } else {
      result.push_back(record_constant(tape_, xt::zeros<double>(tape_.node(i).val().shape())));
    }
  }
  return result;
}

Var GraphSweep::aux() const { return record_constant(tape_, node().extras->aux); }

void GraphSweep::accumulate(std::size_t k, const Var& g) {
  if (!needs(k)) return;
  const std::uint32_t i = node().inputs[k];
  const Tensor& target = tape_.node(i).val();
  Var contribution = g;
  if (!shapes_equal(g.value().shape(), target.shape())) {
    contribution = sum_to(g, shape_of(target));
  }
  Var& adjoint = state_.var_adjoints[i - state_.lowest];
  adjoint = adjoint.valid() ? adjoint + contribution : contribution;
}

}  // namespace chainrule::ad::detail
