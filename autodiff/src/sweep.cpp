// The reverse sweeps: one backwards loop over the tape, in tensor mode or recorded.

#include "sweep.hpp"

#include <utility>

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/errors.hpp"

namespace chainrule::ad::detail {
namespace {

// The tapes this thread is sweeping, innermost last (see SweepGuard).
thread_local std::vector<const TapeImpl*> running_sweeps;

// Marks, in [lowest, output], the nodes the sweep must visit (`needed`) and clears the
// adjoint flags. With no inputs named, a node is needed when it requires a gradient;
// otherwise when it is an input or depends on one. Returns `lowest`.
std::uint32_t mark_needed(TapeImpl& tape, std::uint32_t output,
                          std::span<const std::uint32_t> inputs) {
  if (inputs.empty()) {
    for (std::uint32_t i = 0; i <= output; ++i) {
      Node& n = tape.node(i);
      n.needed = n.requires_grad;
      n.has_adjoint = false;
    }
    return 0;
  }
  const std::uint32_t lowest = std::min(*std::min_element(inputs.begin(), inputs.end()), output);
  for (std::uint32_t i = lowest; i <= output; ++i) {
    Node& n = tape.node(i);
    n.needed = false;
    n.has_adjoint = false;
  }
  for (std::uint32_t i : inputs) {
    if (i <= output) tape.node(i).needed = true;
  }
  for (std::uint32_t i = lowest; i <= output; ++i) {
    Node& n = tape.node(i);
    if (n.needed || n.is_leaf()) continue;
    n.needed = std::any_of(n.inputs.begin(), n.inputs.end(),
                           [&](std::uint32_t k) { return k >= lowest && tape.node(k).needed; });
  }
  return lowest;
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

void check_adjoints(TapeImpl& tape, Node& n, std::uint32_t lowest) {
  for (std::uint32_t k : n.inputs) {
    if (k >= lowest && tape.node(k).has_adjoint) {
      check_finite(tape.node(k).adjoint, n.name(), "gradient");
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
  Tensor& g = n.parameter ? n.parameter->grad : n.extra().grad;
  if (!shapes_equal(g.shape(), n.val().shape())) g = xt::zeros<double>(n.val().shape());
  return g;
}

void accumulate_tensor(Node& target, const Tensor& contribution) {
  const Tensor& value = target.val();
  if (!shapes_equal(contribution.shape(), value.shape())) {
    reduce_into(contribution, target.adjoint, shape_span(value), !target.has_adjoint);
    return;
  }
  const double* c = contribution.data();
  const std::size_t n = contribution.size();
  if (!target.has_adjoint) {
    target.adjoint.resize(contribution.shape());
    std::copy(c, c + n, target.adjoint.data());
    return;
  }
  double* a = target.adjoint.data();
  for (std::size_t i = 0; i < n; ++i) a[i] += c[i];
}

void reset_leaf_grad(Node& n) {
  if (n.extras && n.extras->grad.size() != 0) n.extras->grad.fill(0.0);
}

SweepGuard::SweepGuard(TapeImpl& tape, std::uint32_t output, std::span<const std::uint32_t> inputs)
    : tape_(tape) {
  ++tape.sweeps_running;
  const bool nested =
      std::find(running_sweeps.begin(), running_sweeps.end(), &tape) != running_sweeps.end();
  running_sweeps.push_back(&tape);
  if (!nested) return;
  // The range mark_needed will reset: every node the nested sweep can touch.
  lowest_ = inputs.empty() ? 0 : std::min(*std::min_element(inputs.begin(), inputs.end()), output);
  saved_.reserve(output - lowest_ + 1);
  for (std::uint32_t i = lowest_; i <= output; ++i) {
    Node& n = tape.node(i);
    saved_.push_back({std::exchange(n.adjoint, Tensor()), n.needed, n.has_adjoint});
  }
}

SweepGuard::~SweepGuard() {
  --tape_.sweeps_running;
  running_sweeps.pop_back();
  for (std::size_t k = 0; k < saved_.size(); ++k) {
    Node& n = tape_.node(lowest_ + static_cast<std::uint32_t>(k));
    n.adjoint = std::move(saved_[k].adjoint);
    n.needed = saved_[k].needed;
    n.has_adjoint = saved_[k].has_adjoint;
  }
}

Var record_constant(TapeImpl& tape, Tensor value) {
  const std::uint32_t index = tape.push(nullptr);
  reset_leaf_grad(tape.node(index));
  tape.node(index).value = std::move(value);
  return tape.handle(index);
}

std::uint32_t reverse_sweep(TapeImpl& tape, std::uint32_t output, const Tensor& seed,
                            std::span<const std::uint32_t> inputs, bool accumulate_leaves,
                            const char* op) {
  Node& out = tape.node(output);
  check_versions(tape, out, op);
  check_seed(out.val(), seed);
  const std::uint32_t lowest = mark_needed(tape, output, inputs);
  if (!out.needed) return lowest;
  xt::noalias(out.adjoint) = seed;
  out.has_adjoint = true;
  const bool anomaly = detect_anomaly();
  for (std::uint32_t i = output + 1; i-- > lowest;) {
    Node& n = tape.node(i);
    if (!n.has_adjoint || !n.needed) continue;
    if (n.is_leaf()) {
      if (accumulate_leaves && n.requires_grad) {
        Tensor& g = leaf_grad(n);
        const double* a = n.adjoint.data();
        double* d = g.data();
        for (std::size_t k = 0; k < g.size(); ++k) d[k] += a[k];
      }
      continue;
    }
    check_versions(tape, n, op);
    TensorSweep sweep(tape, i, lowest);
    run_backward(n, [&] { n.rule->backward(sweep); });
    if (anomaly) check_adjoints(tape, n, lowest);
  }
  return lowest;
}

std::vector<Var> graph_sweep(TapeImpl& tape, std::uint32_t output, const Var& seed,
                             std::span<const std::uint32_t> inputs, const char* op) {
  check_versions(tape, tape.node(output), op);
  check_seed(tape.node(output).val(), seed.value());
  const SweepGuard guard(tape, output, inputs);
  const std::uint32_t lowest = mark_needed(tape, output, inputs);
  // Local, not tape scratch: a user-defined backward may itself call ad::grad.
  std::vector<Var> adjoints(output - lowest + 1);
  if (tape.node(output).needed) adjoints.back() = seed;
  const bool anomaly = detect_anomaly();
  for (std::uint32_t i = output + 1; i-- > lowest;) {
    Node& n = tape.node(i);
    if (!n.needed || n.is_leaf() || !adjoints[i - lowest].valid()) continue;
    check_versions(tape, n, op);
    GraphSweep sweep(tape, i, lowest, adjoints);
    run_backward(n, [&] { n.rule->backward_graph(sweep); });
    if (anomaly) {
      for (std::uint32_t k : tape.node(i).inputs) {
        if (k >= lowest && adjoints[k - lowest].valid()) {
          check_finite(adjoints[k - lowest].value(), tape.node(i).name(), "gradient");
        }
      }
    }
  }
  std::vector<Var> result;
  result.reserve(inputs.size());
  for (std::uint32_t i : inputs) {
    if (i >= lowest && i <= output && adjoints[i - lowest].valid()) {
      result.push_back(adjoints[i - lowest]);
    } else {
      result.push_back(record_constant(tape, xt::zeros<double>(tape.node(i).val().shape())));
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
  Var& adjoint = adjoints_[i - lowest_];
  adjoint = adjoint.valid() ? adjoint + contribution : contribution;
}

}  // namespace chainrule::ad::detail
