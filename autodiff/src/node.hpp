#pragma once
// Internal: how a tape stores what it records.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "chainrule/autodiff/function.hpp"
#include "chainrule/autodiff/tape.hpp"
#include "chainrule/autodiff/tensor.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad::detail {

class TensorSweep;
class GraphSweep;

/// Static description of one kind of operation: its name and its backward rule, written
/// once as a template and instantiated for plain tensors and for recorded Vars.
struct Node;
struct OpRule {
  const char* name;
  void (*backward)(TensorSweep&);
  void (*backward_graph)(GraphSweep&);
  /// The graph's label of one node ("/ 100" for an affine that divides), from its
  /// parameters; null when `name` says it all.
  std::string (*label)(const Node&) = nullptr;
};

/// An operation's own parameters: each rule declares `struct Params` (named fields: a clip's
/// bounds, a slice's axis and window) and reads them back with `s.params<Params>()`. Stored
/// in the node's inline bytes, so recording one allocates nothing; a rule whose parameters
/// are larger or not trivially copyable (a list of axes) gets them kept beside the node.
struct RuleParams {
  static constexpr std::size_t capacity = 24;
  template <class P>
  static constexpr bool fits_inline = std::is_trivially_copyable_v<P> && sizeof(P) <= capacity &&
                                      alignof(P) <= alignof(double);

  alignas(double) std::byte bytes[capacity];
};

/// A Parameter's storage, shared by its copies and the tapes that read it.
///
/// Gradients land here straight from the rules that consume the parameter's leaf, under
/// `grad_mutex`: backward passes on several threads (each on its own tape) may accumulate
/// into one parameter. One uncontended lock per accumulation is all the single-threaded path
/// pays. `zero_grad` is lazy: it only sets `grad_is_zero`, and the next accumulation assigns
/// instead of adding (no pass over the buffer).
struct ParameterData {
  Tensor value;
  std::string name;
  bool requires_grad = true;              // false: frozen, recorded as a constant
  std::atomic<std::uint64_t> version{0};  // bumped by every modification of `value`

  /// `write(grad, assign)` adds a contribution into the gradient (assign: the gradient is
  /// zero, overwrite it), under the lock. A gradient whose shape is not the value's (the value was
  /// reshaped without zero_grad, or the gradient was set by hand) is a ShapeError, never silently
  /// replaced.
  template <class Write>
  void add_to_grad(Write&& write) {
    const std::lock_guard lock(grad_mutex);
    if (grad_is_zero) {
      if (grad.shape() != value.shape()) grad.resize(value.shape());
    } else {
      check_grad_shape("backward");
    }
    write(grad, grad_is_zero);
    grad_is_zero = false;
  }
  /// The gradient as a tensor (zeros of the value's shape after zero_grad); as set otherwise,
  /// whatever its shape, so that the checks of its readers (optimizers) see a wrong one.
  Tensor& materialized_grad() {
    const std::lock_guard lock(grad_mutex);
    if (grad_is_zero) {
      grad.resize(value.shape());
      grad.fill(0.0);
      grad_is_zero = false;
    }
    return grad;
  }
  void zero_grad() {
    const std::lock_guard lock(grad_mutex);
    grad_is_zero = true;
  }

 private:
  void check_grad_shape(const char* op) const;

  std::mutex grad_mutex;
  Tensor grad;
  bool grad_is_zero = true;
};

/// A parameter leaf's RuleParams: the parameter's version when it was read onto the tape.
struct RecordedVersion {
  std::uint64_t version;
};

enum class LeafKind : std::uint8_t { variable, constant, parameter };

/// What few nodes need, kept out of Node so the tape stays compact (a Tensor object alone is
/// 240 bytes; a 100 000-op chain spends its time in cache misses on node headers).
struct NodeExtras {
  Tensor grad;  // accumulated gradient of a tape-owned leaf
  Tensor aux;   // tensor data an operation's backward needs (where's condition)
  std::unique_ptr<Function> function;  // user-defined operation
  std::string label;                   // its name, kept for op_name()
  std::shared_ptr<const void> params;  // a rule's Params too big for RuleParams
};

/// One recorded value: what was recorded, and nothing a sweep changes (a sweep's adjoints
/// and marks live in its SweepState). Nodes are reused after Tape::clear(): their tensors keep
/// their buffers, so a loop that records the same shapes again allocates nothing.
struct Node {
  Tensor value;                              // result, or a tape-owned leaf's value
  std::shared_ptr<ParameterData> parameter;  // persistent leaf: value and grad live there
  std::unique_ptr<NodeExtras> extras;        // created on first use, kept for reuse
  const OpRule* rule = nullptr;              // nullptr for leaves
  boost::container::small_vector<std::uint32_t, 2> inputs;
  RuleParams params;
  LeafKind leaf = LeafKind::constant;
  bool requires_grad = false;
  bool reads_parameter = false;  // an input is a Parameter leaf (its version is checked)

  bool is_leaf() const { return rule == nullptr; }
  NodeExtras& extra() {
    if (!extras) extras = std::make_unique<NodeExtras>();
    return *extras;
  }
  bool is_function() const { return extras && extras->function; }
  const Tensor& val() const { return parameter ? parameter->value : value; }
  const char* name() const;

  /// Stores a rule's parameters (see RuleParams).
  template <class P>
  void set_params(const P& p) {
    if constexpr (RuleParams::fits_inline<P>) {
      ::new (static_cast<void*>(params.bytes)) P(p);
    } else {
      extra().params = std::make_shared<const P>(p);
    }
  }
  template <class P>
  const P& get_params() const {
    if constexpr (RuleParams::fits_inline<P>) {
      return *std::launder(reinterpret_cast<const P*>(params.bytes));
    } else {
      return *static_cast<const P*>(extras->params.get());
    }
  }
};

/// The state of one reverse sweep over the nodes [lowest, output], indexed by node - lowest
/// (structure of arrays): each node's adjoint, and whether the sweep must visit it (`needed`:
/// on a path from a requested input), whether an adjoint reached it, and whether the caller
/// reads its adjoint after the sweep (`kept`: a requested input).
///
/// Memory is the live set: once a node's rule has run, nothing reads its adjoint again, so
/// its buffer goes to `spare` and the next adjoint of that many elements takes it. A sweep
/// then holds about as many adjoint buffers as are alive at once (two per layer of a network
/// rather than one per node), and a training loop's sweeps still allocate nothing once warm.
struct SweepState {
  static constexpr std::uint8_t needed = 1;
  static constexpr std::uint8_t reached = 2;
  static constexpr std::uint8_t kept = 4;

  std::uint32_t lowest = 0;
  /// backward() names no inputs: a node is needed when it requires a gradient, read from
  /// the node when the sweep gets there instead of marked in a pass over the whole tape.
  bool every_requiring = false;
  std::vector<std::uint8_t> flags;
  std::vector<Tensor> adjoints;   // tensor sweep
  std::vector<Tensor> spare;      // buffers of adjoints no rule reads any more
  std::vector<Var> var_adjoints;  // recorded sweep (create_graph)
  Tensor scratch;                 // an expression evaluated before a broadcast reduction
  bool into_parameters = false;   // backward(): Parameter leaves' gradients land in place

  /// Smaller adjoints stay with their node from one sweep to the next, as values do: moving
  /// them through `spare` would cost more than copying them, for memory that does not matter.
  static constexpr std::size_t recycled_from = 1024;  // elements (8 KiB)
  static bool recycled(std::size_t size) { return size >= recycled_from; }

  /// Before slot's first contribution: gives its adjoint a buffer of `size` elements, a spare
  /// one if there is one (its old buffer, of another size, becomes spare).
  void prepare_adjoint(std::uint32_t slot, std::size_t size) {
    Tensor& adjoint = adjoints[slot];
    if (!recycled(size) || adjoint.storage().size() == size) return;
    for (std::size_t i = spare.size(); i-- > 0;) {  // the latest released first
      if (spare[i].storage().size() == size) {
        std::swap(adjoint, spare[i]);
        if (!recycled(spare[i].storage().size())) spare.erase(spare.begin() + static_cast<long>(i));
        return;
      }
    }
    if (recycled(adjoint.storage().size())) spare.push_back(std::move(adjoint));
  }
  /// After slot's rule has run: its buffer is spare, unless the caller reads it.
  void release_adjoint(std::uint32_t slot) {
    if ((flags[slot] & kept) != 0 || !recycled(adjoints[slot].storage().size())) return;
    spare.push_back(std::move(adjoints[slot]));
  }

  std::size_t bytes() const;
};

/// A tape's identity as Vars see it. Slots are never freed (a destroyed tape's slot is
/// reused by the next tape), and `generation` changes at every clear and destruction, so a
/// stale Var is detected by comparing two integers instead of touching freed memory.
struct TapeSlot {
  std::atomic<TapeImpl*> tape{nullptr};
  std::atomic<std::uint64_t> generation{1};
};

class TapeImpl {
 public:
  explicit TapeImpl(Tape& owner);
  ~TapeImpl();
  TapeImpl(const TapeImpl&) = delete;
  TapeImpl& operator=(const TapeImpl&) = delete;

  Node& node(std::uint32_t i) { return blocks_[i >> block_bits][i & block_mask]; }
  const Node& node(std::uint32_t i) const { return blocks_[i >> block_bits][i & block_mask]; }
  std::uint32_t size() const { return size_; }
  std::size_t capacity() const { return blocks_.size() * block_size; }
  std::size_t bytes() const;
  Tape& owner() const { return *owner_; }

  /// Appends a node with fresh bookkeeping (buffers of a reused node are kept).
  std::uint32_t push(const OpRule* rule);
  /// Drops the last node (an operation that threw half-way).
  void pop();
  /// Notes that node `i` keeps something alive (a parameter, a user function, out-of-line
  /// rule parameters), so that clear() releases it without visiting every node.
  void hold(std::uint32_t i) { holders_.push_back(i); }
  void clear();

  Var handle(std::uint32_t i) const { return Var(slot_, i, slot_->generation.load()); }

  /// The tape of a Var, checked: throws TapeError for an empty or stale Var.
  static TapeImpl& of(const Var& v, const char* op);
  static std::uint32_t index(const Var& v) { return v.index_; }

  /// Storage for the sweep running at nesting depth `depth` (0: outermost), kept for the
  /// next sweep at that depth so a training loop's sweeps allocate nothing.
  SweepState& sweep_state(std::size_t depth);
  /// Sweeps running on this tape (nested ones included): clear() refuses to run under one.
  std::size_t sweeps_running() const { return sweeps_running_; }
  std::size_t enter_sweep() { return sweeps_running_++; }
  void leave_sweep() { --sweeps_running_; }

 private:
  static constexpr std::uint32_t block_bits = 8;
  static constexpr std::uint32_t block_size = 1u << block_bits;
  static constexpr std::uint32_t block_mask = block_size - 1;

  std::vector<std::unique_ptr<Node[]>> blocks_;
  std::vector<std::unique_ptr<SweepState>> sweep_states_;  // one per nesting depth
  std::vector<std::uint32_t> holders_;  // nodes clear() must release (see hold())
  std::size_t sweeps_running_ = 0;
  std::uint32_t size_ = 0;
  Tape* owner_;
  TapeSlot* slot_;
};

/// Whether the sweep in `state` must visit node i (see SweepState::every_requiring).
inline bool sweep_needs(const SweepState& state, const TapeImpl& tape, std::uint32_t i) {
  if (i < state.lowest) return false;
  if (state.every_requiring) return tape.node(i).requires_grad;
  return (state.flags[i - state.lowest] & SweepState::needed) != 0;
}

/// False while a NoGradGuard of this thread is alive: operations then record constants.
/// (constinit: read without a thread-local wrapper call on every recorded operation.)
extern thread_local constinit bool grad_mode;

/// The one tape shared by the operands of an operation; throws TapeError when they come
/// from different tapes.
TapeImpl& common_tape(std::span<const Var* const> operands, const char* op);

/// With anomaly detection on, throws AnomalyError if `t` has a NaN/Inf.
void check_finite(const Tensor& t, const char* op, const char* what);

/// Throws TapeError naming `op` and the parameter when the parameter of leaf `n` was
/// modified after `n` recorded it (its value is no longer the one the tape computed with).
void check_version(const Node& n, const char* op);

/// The library's logger ("chainrule"), off unless set_log_level says otherwise.
void log_debug(const std::string& message);

}  // namespace chainrule::ad::detail
