#pragma once
// Internal: recording an operation, and the two contexts its backward rule runs in.
//
// A rule is written once, as a template over the context S:
//   - TensorSweep: values and adjoints are plain tensors, the rule's expressions are lazy
//     xtensor expressions assigned straight into the input's adjoint buffer (no temporaries);
//   - GraphSweep: values and adjoints are Vars, so the sweep is itself recorded and can be
//     differentiated again (create_graph).

#include <algorithm>
#include <initializer_list>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xnoalias.hpp>

#include "chainrule/autodiff/ops.hpp"
#include "kernels.hpp"
#include "node.hpp"
#include "vector_math.hpp"

namespace chainrule::ad::detail {

/// numpy's broadcast of two shapes; throws ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

/// `src` summed over the dimensions broadcasting added to `dst_shape`, then assigned to
/// (`assign`) or added into `dst`.
void reduce_into(const Tensor& src, Tensor& dst, std::span<const std::size_t> dst_shape,
                 bool assign);

/// A tensor's shape as a span: for passing shapes around without building a Shape vector
/// (the hot paths of a sweep allocate nothing).
inline std::span<const std::size_t> shape_span(const Tensor& t) {
  return {t.shape().data(), t.shape().size()};
}

/// The accumulated gradient of a leaf, sized like its value.
Tensor& leaf_grad(Node& n);

/// Zeros a reused node's leaf gradient (keeping its buffer), so a leaf recorded after
/// Tape::clear() does not start from the gradient of the leaf recorded there before.
void reset_leaf_grad(Node& n);

/// An operand's value, checked: an empty or stale Var throws TapeError naming `op` (the
/// operation the user called, rather than "value").
inline const Tensor& value_of(const Var& v, const char* op) {
  return TapeImpl::of(v, op).node(TapeImpl::index(v)).val();
}

/// Adds (`assign` false) or assigns `contribution` into `adjoint`, the adjoint of a node whose
/// value is `value`, summing broadcast dimensions away.
void accumulate_tensor(Tensor& adjoint, bool assign, const Tensor& value,
                       const Tensor& contribution);

/// Records a constant (no gradient) computed from `like`'s tape, e.g. a mask.
Var record_constant(TapeImpl& tape, Tensor value);

// ---- what a rule's shape operations return in a tensor sweep --------------------------
// Not tensors but descriptions, evaluated where they are accumulated: straight into the
// input's adjoint, with no temporary (a product is one gemm with beta = 1 when adding).

struct TransposedTensor {
  const Tensor& tensor;
};
/// scale · tensor.
struct ScaledTensor {
  const Tensor& tensor;
  double scale;
};
/// op(a)·op(b), op = transpose when asked (2-D operands).
struct MatrixProduct {
  const Tensor& a;
  const Tensor& b;
  bool transpose_a;
  bool transpose_b;
};
/// `expr` broadcast to `shape`.
template <class E>
struct Broadcast {
  E expr;
  Tensor::shape_type shape;
};
/// The window [begin, end) along `axis` of `tensor`.
struct TensorWindow {
  const Tensor& tensor;
  std::size_t axis, begin, end;
};
/// Zeros of `shape` with `tensor` at [begin, end) along `axis`.
struct EmbeddedTensor {
  const Tensor& tensor;
  std::span<const std::size_t> shape;
  std::size_t axis, begin, end;
};

/// g·f'(x) of an elementwise function, computed by a vector kernel straight into the adjoint
/// (g, x and the adjoint share one shape).
struct UnaryKernelGradient {
  const Tensor& grad;
  const Tensor& x;
  vector_math::GradientMap kernel;
};

/// An xtensor expression (a Tensor included), as opposed to the descriptions above.
template <class E>
concept TensorExpression = xt::is_xexpression<std::decay_t<E>>::value;

/// c = op(a)·op(b) (assign) or c += op(a)·op(b), op = transpose when asked. Row-major BLAS.
void gemm(const Tensor& a, const Tensor& b, Tensor& c, bool assign, bool transpose_a,
          bool transpose_b);
/// The window [begin, end) along `axis` of `full`, into `out` (assigned or added).
void read_window(const Tensor& full, std::size_t axis, std::size_t begin, std::size_t end,
                 Tensor& out, bool assign);
/// `part` added into the window [begin, end) along `axis` of `full`.
void add_window(const Tensor& part, std::size_t axis, std::size_t begin, std::size_t end,
                Tensor& full);
/// Zeros of `shape` with x at [begin, end) along `axis`: slice's adjoint, as a Var.
Var embed(const Var& x, const Shape& shape, std::size_t axis, std::size_t begin, std::size_t end);

/// How a rule is written (one backward body for both sweeps):
/// ```
/// struct Clip {
///   static constexpr const char* name = "clip";
///   struct Params { double lo, hi; };
///   template <class S>
///   static void backward(S& s) {
///     const auto& p = s.template params<Params>();
///     if (s.needs(0)) s.accumulate(0, s.grad() * inside_mask(s.in(0), p.lo, p.hi));
///   }
/// };
/// ... record<Clip>({&x}, Clip::Params{lo, hi}, [&](Node& n) { /* fill n.value */ });
/// ```
/// Elementwise math is written with free functions that exist for tensors (xtensor, lazy)
/// and for Vars (recorded); shape operations through the sweep (`s.matmul`, `s.transpose`,
/// `s.scale`, `s.reshape`, `s.broadcast_to`, `s.slice`, `s.embed`), which gives tensor versions
/// here and the differentiable ops in GraphSweep. A rule that passes the incoming gradient on
/// unchanged (add, sub) ends with `s.hand_over_grad(k)`, which moves the buffer when it can.
class TensorSweep {
 public:
  TensorSweep(TapeImpl& tape, SweepState& state, std::uint32_t index)
      : tape_(tape), state_(state), node_(tape.node(index)), index_(index) {}

  const Tensor& grad() const { return state_.adjoints[index_ - state_.lowest]; }
  /// The incoming gradient as a Var (a constant on the tape), for a user Function.
  Var recorded_grad() const { return record_constant(tape_, grad()); }
  const Tensor& out() const { return node_.val(); }
  const Tensor& in(std::size_t k) const { return tape_.node(node_.inputs[k]).val(); }
  std::size_t inputs() const { return node_.inputs.size(); }
  bool needs(std::size_t k) const { return sweep_needs(state_, tape_, node_.inputs[k]); }
  template <class P>
  const P& params() const {
    return node_.get_params<P>();
  }
  const Tensor& aux() const { return node_.extras->aux; }
  Node& node() { return node_; }
  TapeImpl& tape() { return tape_; }
  std::uint32_t index() const { return index_; }

  // ---- shape operations on tensors ----
  static TransposedTensor transpose(const Tensor& t) { return {t}; }
  static ScaledTensor scale(const Tensor& t, double c) { return {t, c}; }
  static MatrixProduct matmul(const Tensor& a, const Tensor& b) { return {a, b, false, false}; }
  static MatrixProduct matmul(TransposedTensor a, const Tensor& b) {
    return {a.tensor, b, true, false};
  }
  static MatrixProduct matmul(const Tensor& a, TransposedTensor b) {
    return {a, b.tensor, false, true};
  }
  template <class Sh>
  static auto reshape(const Tensor& t, const Sh& shape) {
    return xt::adapt(t.data(), t.size(), xt::no_ownership(),
                     Tensor::shape_type(shape.begin(), shape.end()));
  }
  template <class E, class Sh>
  static auto broadcast_to(E&& e, const Sh& shape) {
    using Held = std::conditional_t<std::is_lvalue_reference_v<E>, E, std::decay_t<E>>;
    return Broadcast<Held>{std::forward<E>(e), Tensor::shape_type(shape.begin(), shape.end())};
  }
  static TensorWindow slice(const Tensor& t, std::size_t axis, std::size_t begin, std::size_t end) {
    return {t, axis, begin, end};
  }
  template <class Sh>
  static EmbeddedTensor embed(const Tensor& t, const Sh& shape, std::size_t axis, std::size_t begin,
                              std::size_t end) {
    return {t, {shape.data(), shape.size()}, axis, begin, end};
  }

  /// Adds the expression `e` (shaped like the output) into input k's adjoint, summing away
  /// broadcast dimensions. Skipped when input k is not needed.
  template <TensorExpression E>
  void accumulate(std::size_t k, E&& e) {
    write_into(k, [&](Tensor& adjoint, bool assign) {
      const Tensor& value = in(k);
      if constexpr (std::is_same_v<std::decay_t<E>, Tensor>) {
        accumulate_tensor(adjoint, assign, value, e);  // plain loops for a copy
      } else if (shapes_equal(e.shape(), value.shape())) {
        if (assign) reshape_to(adjoint, value.shape());
        if (!assign_linearly(adjoint, e, assign)) {
          if (assign) {
            xt::noalias(adjoint) = e;
          } else {
            xt::noalias(adjoint) += e;
          }
        }
      } else {
        xt::noalias(state_.scratch) = e;
        reduce_into(state_.scratch, adjoint, shape_span(value), assign);
      }
    });
  }
  /// Input k's contribution is the incoming gradient itself, and this is the rule's last use
  /// of it (grad() is not read after): when input k has no adjoint yet and the shapes agree,
  /// a large buffer moves over instead of being copied.
  void hand_over_grad(std::size_t k) {
    if (!needs(k)) return;
    const std::uint32_t own = index_ - state_.lowest;
    const std::uint32_t slot = node_.inputs[k] - state_.lowest;
    if (!lands_in_parameter(k) && SweepState::recycled(grad().size()) &&
        (state_.flags[slot] & SweepState::reached) == 0 &&
        (state_.flags[own] & SweepState::kept) == 0 &&
        shapes_equal(grad().shape(), in(k).shape())) {
      std::swap(state_.adjoints[own], state_.adjoints[slot]);
      state_.flags[slot] |= SweepState::needed | SweepState::reached;
      return;
    }
    accumulate(k, grad());
  }
  /// A user Function's gradient.
  void accumulate(std::size_t k, const Var& g) { accumulate(k, g.value()); }
  void accumulate(std::size_t k, TransposedTensor t) { accumulate(k, xt::transpose(t.tensor)); }
  void accumulate(std::size_t k, const ScaledTensor& t) {
    if (!shapes_equal(t.tensor.shape(), in(k).shape())) {
      accumulate(k, t.tensor * t.scale);  // summed over broadcast dimensions
      return;
    }
    write_into(k, [&](Tensor& adjoint, bool assign) {  // a plain loop: long chains of x·c + d
      const double* g = t.tensor.data();
      const std::size_t n = t.tensor.size();
      if (assign) {
        reshape_to(adjoint, t.tensor.shape());
        double* a = adjoint.data();
        for (std::size_t i = 0; i < n; ++i) a[i] = t.scale * g[i];
      } else {
        double* a = adjoint.data();
        for (std::size_t i = 0; i < n; ++i) a[i] += t.scale * g[i];
      }
    });
  }
  void accumulate(std::size_t k, const MatrixProduct& p) {
    write_into(k, [&](Tensor& adj, bool assign) {
      gemm(p.a, p.b, adj, assign, p.transpose_a, p.transpose_b);
    });
  }
  template <class E>
  void accumulate(std::size_t k, const Broadcast<E>& b) {
    if constexpr (std::is_same_v<std::decay_t<E>, Tensor>) {
      if (b.expr.size() == 1) {  // every element gets the one value: a fill, not a broadcast
        const double g = b.expr.data()[0];
        write_into(k, [&](Tensor& adj, bool assign) {
          if (assign) {
            adj.resize(b.shape);
            adj.fill(g);
          } else {
            for (double& a : adj) a += g;
          }
        });
        return;
      }
    }
    accumulate(k, xt::broadcast(b.expr, b.shape));
  }
  void accumulate(std::size_t k, const UnaryKernelGradient& u) {
    write_into(k, [&](Tensor& adj, bool assign) {
      if (assign) reshape_to(adj, u.x.shape());
      u.kernel(u.grad.data(), u.x.data(), adj.data(), u.x.size(), /*add=*/!assign);
    });
  }
  void accumulate(std::size_t k, const TensorWindow& w) {
    write_into(k, [&](Tensor& adj, bool assign) {
      read_window(w.tensor, w.axis, w.begin, w.end, adj, assign);
    });
  }
  void accumulate(std::size_t k, const EmbeddedTensor& e) {
    write_into(k, [&](Tensor& adj, bool assign) {
      if (assign) {
        adj.resize(Tensor::shape_type(e.shape.begin(), e.shape.end()));
        adj.fill(0.0);
      }
      add_window(e.tensor, e.axis, e.begin, e.end, adj);
    });
  }

 private:
  /// Lets `write(adjoint, assign)` put input k's contribution (already of the input's
  /// shape) straight into its adjoint.
  /// In backward(), a Parameter leaf's contribution goes straight into Parameter::grad
  /// (the leaf has no adjoint).
  template <class Write>
  void write_into(std::size_t k, Write&& write) {
    if (!needs(k)) return;
    if (lands_in_parameter(k)) {
      tape_.node(node_.inputs[k]).parameter->add_to_grad(write);
      return;
    }
    const std::uint32_t slot = node_.inputs[k] - state_.lowest;
    std::uint8_t& flags = state_.flags[slot];
    const bool first = (flags & SweepState::reached) == 0;
    if (first) state_.prepare_adjoint(slot, in(k).size());
    write(state_.adjoints[slot], first);
    flags |= SweepState::needed | SweepState::reached;  // needed: known, since written
  }

  /// In backward(), input k's contribution goes to Parameter::grad (a Parameter leaf has no
  /// adjoint).
  bool lands_in_parameter(std::size_t k) const {
    return state_.into_parameters && tape_.node(node_.inputs[k]).leaf == LeafKind::parameter;
  }

  /// adjoint = e or adjoint += e as one flat loop, when e's operands are all laid out like the
  /// adjoint (no broadcasting among them): xtensor's assignment would check shapes, strides
  /// and broadcasting first, which costs more than the loop on the small tensors of a long
  /// chain or a small network. False (nothing done) otherwise.
  template <class E>
  static bool assign_linearly(Tensor& adjoint, const E& e, bool assign) {
    if constexpr (requires { e.has_linear_assign(adjoint.strides()), e.linear_cbegin(); }) {
      if (!e.has_linear_assign(adjoint.strides())) return false;
      auto it = e.linear_cbegin();
      double* a = adjoint.data();
      const std::size_t n = adjoint.size();
      if (assign) {
        for (std::size_t i = 0; i < n; ++i, ++it) a[i] = *it;
      } else {
        for (std::size_t i = 0; i < n; ++i, ++it) a[i] += *it;
      }
      return true;
    } else {
      return false;
    }
  }

  TapeImpl& tape_;
  SweepState& state_;
  Node& node_;
  std::uint32_t index_;
};

class GraphSweep {
 public:
  GraphSweep(TapeImpl& tape, SweepState& state, std::uint32_t index)
      : tape_(tape), state_(state), index_(index) {}

  Var grad() const { return state_.var_adjoints[index_ - state_.lowest]; }
  Var recorded_grad() const { return grad(); }
  Var out() const { return tape_.handle(index_); }
  Var in(std::size_t k) const { return tape_.handle(node().inputs[k]); }
  std::size_t inputs() const { return node().inputs.size(); }
  bool needs(std::size_t k) const { return sweep_needs(state_, tape_, node().inputs[k]); }
  template <class P>
  const P& params() const {
    return node().get_params<P>();
  }
  /// The auxiliary tensor as a constant Var.
  Var aux() const;
  Node& node() const { return tape_.node(index_); }
  TapeImpl& tape() { return tape_; }
  std::uint32_t index() const { return index_; }

  // ---- shape operations: the differentiable ones, recorded ----
  static Var transpose(const Var& x) { return ad::transpose(x); }
  static Var scale(const Var& x, double c) { return x * c; }
  static Var matmul(const Var& a, const Var& b) { return ad::matmul(a, b); }
  static Var reshape(const Var& x, const Shape& shape) { return ad::reshape(x, shape); }
  static Var broadcast_to(const Var& x, const Shape& shape) { return ad::broadcast_to(x, shape); }
  static Var slice(const Var& x, std::size_t axis, std::size_t begin, std::size_t end) {
    return ad::slice(x, axis, begin, end);
  }
  static Var embed(const Var& x, const Shape& shape, std::size_t axis, std::size_t begin,
                   std::size_t end) {
    return detail::embed(x, shape, axis, begin, end);
  }

  void accumulate(std::size_t k, const Var& g);
  void hand_over_grad(std::size_t k) { accumulate(k, grad()); }

 private:
  TapeImpl& tape_;
  SweepState& state_;
  std::uint32_t index_;
};

/// A rule may say how the graph labels its node from its parameters:
/// `static std::string label(const Params&)`.
template <class Rule>
concept LabelledRule = requires(const typename Rule::Params& p) {
  Rule::label(p);
};

template <class Rule>
std::string label_of_rule(const Node& n) {
  return Rule::label(n.get_params<typename Rule::Params>());
}

template <class Rule>
constexpr OpRule make_rule() {
  OpRule rule{Rule::name, &Rule::template backward<TensorSweep>,
              &Rule::template backward<GraphSweep>};
  if constexpr (LabelledRule<Rule>) {
    rule.label = &label_of_rule<Rule>;
  }
  return rule;
}

template <class Rule>
inline constexpr OpRule rule_of = make_rule<Rule>();

/// Records one operation: checks its operands share a tape, appends a node, stores the
/// rule's parameters (`params` null for a rule without), lets `compute(node)` fill
/// `node.value` (and `node.aux`), and checks for anomalies.
template <class Rule, class Params, class Compute>
Var record_node(std::span<const Var* const> operands, const Params* params, Compute& compute) {
  TapeImpl& tape = common_tape(operands, Rule::name);
  const std::uint32_t index = tape.push(&rule_of<Rule>);
  Node& n = tape.node(index);
  if constexpr (!std::is_void_v<Params>) n.set_params(*params);
  for (const Var* v : operands) {
    const std::uint32_t i = TapeImpl::index(*v);
    n.inputs.push_back(i);
    n.requires_grad = n.requires_grad || tape.node(i).requires_grad;
    n.reads_parameter = n.reads_parameter || tape.node(i).leaf == LeafKind::parameter;
  }
  n.requires_grad = n.requires_grad && grad_mode;  // under NoGradGuard: a constant
  try {
    compute(n);
    // n.name(): a user Function is reported by its own name, not as "function".
    check_finite(n.value, n.name(), "value");
    if (n.extras && (n.extras->function || n.extras->params)) tape.hold(index);
  } catch (...) {
    tape.pop();  // an operation that throws (anomaly included) records nothing
    throw;
  }
  return tape.handle(index);
}

template <class Rule, class Compute>
Var record(std::span<const Var* const> operands, Compute&& compute) {
  return record_node<Rule, void>(operands, nullptr, compute);
}

template <class Rule, class Compute>
Var record(std::span<const Var* const> operands, const typename Rule::Params& params,
           Compute&& compute) {
  return record_node<Rule>(operands, &params, compute);
}

template <class Rule, class Compute>
Var record(std::initializer_list<const Var*> operands, Compute&& compute) {
  return record_node<Rule, void>({operands.begin(), operands.size()}, nullptr, compute);
}

template <class Rule, class Compute>
Var record(std::initializer_list<const Var*> operands, const typename Rule::Params& params,
           Compute&& compute) {
  return record_node<Rule>({operands.begin(), operands.size()}, &params, compute);
}

/// One reverse sweep from node `output`: while it lives it owns the tape's sweep storage
/// for its nesting depth (a user Function's backward calling ad::grad starts a nested sweep
/// on other storage, so neither disturbs the other), and clear() refuses to run.
///
/// `inputs` empty: every node that requires a gradient is visited; otherwise only the nodes
/// on a path from an input. `op` (backward, grad, vjp) names the call in errors.
class Sweep {
 public:
  Sweep(TapeImpl& tape, std::uint32_t output, std::span<const std::uint32_t> inputs,
        const char* op);
  ~Sweep() { tape_.leave_sweep(); }
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

  /// Tensor mode, seeded with `seed`; reached leaves that require a gradient accumulate into
  /// their gradient when `accumulate_leaves`.
  void run(const Tensor& seed, bool accumulate_leaves);
  /// Var mode: records the backward pass; returns d(output)/d(input) for each input as Vars
  /// (zeros where the output does not depend on it).
  std::vector<Var> run_recorded(const Var& seed, std::span<const std::uint32_t> inputs);

  /// After run(): whether an adjoint reached node i, and that adjoint.
  bool reached(std::uint32_t i) const {
    return i >= state_.lowest && i <= output_ &&
           (state_.flags[i - state_.lowest] & SweepState::reached) != 0;
  }
  const Tensor& adjoint(std::uint32_t i) const { return state_.adjoints[i - state_.lowest]; }

 private:
  TapeImpl& tape_;
  SweepState& state_;
  std::uint32_t output_;
  const char* op_;
};

}  // namespace chainrule::ad::detail
