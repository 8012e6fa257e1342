// Tape storage, tape slots and the current-tape stack.

#include "chainrule/autodiff/tape.hpp"

#include <deque>
#include <mutex>

#include "chainrule/autodiff/errors.hpp"
#include "node.hpp"

namespace chainrule::ad::detail {
namespace {

// Slots live for the whole program (see TapeSlot); freed ones are handed out again.
struct SlotPool {
  std::mutex mutex;
  std::deque<TapeSlot> slots;
  std::vector<TapeSlot*> free;

  TapeSlot* acquire(TapeImpl* tape) {
    std::lock_guard lock(mutex);
    TapeSlot* slot = nullptr;
    if (free.empty()) {
      slot = &slots.emplace_back();
    } else {
      slot = free.back();
      free.pop_back();
    }
    slot->tape.store(tape);
    return slot;
  }

  void release(TapeSlot* slot) {
    std::lock_guard lock(mutex);
    slot->tape.store(nullptr);
    slot->generation.fetch_add(1);
    free.push_back(slot);
  }
};

SlotPool& slot_pool() {
  static auto* pool = new SlotPool;  // never destroyed: thread-local tapes may outlive statics
  return *pool;
}

std::size_t tensor_bytes(const Tensor& t) { return t.storage().size() * sizeof(double); }

}  // namespace

const char* Node::name() const {
  if (is_function()) return extras->label.c_str();
  if (rule != nullptr) return rule->name;
  switch (leaf) {
    case LeafKind::variable:
      return "variable";
    case LeafKind::parameter:
      return "parameter";
    case LeafKind::constant:
      break;
  }
  return "constant";
}

TapeImpl::TapeImpl(Tape& owner) : owner_(&owner), slot_(slot_pool().acquire(this)) {}

TapeImpl::~TapeImpl() { slot_pool().release(slot_); }

std::uint32_t TapeImpl::push(const OpRule* rule) {
  if (size_ == capacity()) {
    blocks_.push_back(std::make_unique<Node[]>(block_size));
    log_debug("tape grew to " + std::to_string(capacity()) + " nodes");
  }
  const std::uint32_t index = size_++;
  Node& n = node(index);
  n.rule = rule;
  n.inputs.clear();
  n.leaf = LeafKind::constant;
  n.requires_grad = false;
  n.reads_parameter = false;
  return index;
}

void TapeImpl::pop() {
  Node& n = node(--size_);
  n.parameter.reset();
  if (n.extras) {
    n.extras->function.reset();
    n.extras->params.reset();
  }
}

void TapeImpl::clear() {
  if (sweeps_running_ > 0) {
    // A user Function's backward clearing its own tape would destroy the running function
    // and the nodes the sweep is reading.
    throw TapeError("chainrule: clear: cannot clear a tape during its sweep");
  }
  // The tape no longer keeps parameters or functions alive. Only the nodes that hold one are
  // visited: a long chain of small operations is not walked a third time (after recording
  // and the sweep) just to be emptied.
  for (const std::uint32_t i : holders_) {
    Node& n = node(i);
    n.parameter.reset();
    if (n.extras) {
      n.extras->function.reset();
      n.extras->params.reset();
    }
  }
  holders_.clear();
  size_ = 0;
  for (auto& state : sweep_states_) state->var_adjoints.clear();
  slot_->generation.fetch_add(1);
}

std::size_t TapeImpl::bytes() const {
  std::size_t total = blocks_.size() * block_size * sizeof(Node);
  for (const auto& state : sweep_states_) total += state->bytes();
  for (std::uint32_t b = 0; b < blocks_.size(); ++b) {
    for (std::uint32_t i = 0; i < block_size; ++i) {
      const Node& n = blocks_[b][i];
      total += tensor_bytes(n.value) + n.inputs.capacity() * sizeof(std::uint32_t);
      if (n.extras) {
        total += sizeof(NodeExtras) + tensor_bytes(n.extras->grad) + tensor_bytes(n.extras->aux);
      }
    }
  }
  return total;
}

SweepState& TapeImpl::sweep_state(std::size_t depth) {
  while (sweep_states_.size() <= depth) sweep_states_.push_back(std::make_unique<SweepState>());
  return *sweep_states_[depth];
}

std::size_t SweepState::bytes() const {
  std::size_t total = flags.capacity() + adjoints.capacity() * sizeof(Tensor) +
                      var_adjoints.capacity() * sizeof(Var) + tensor_bytes(scratch);
  for (const Tensor& a : adjoints) total += tensor_bytes(a);
  for (const Tensor& a : spare) total += sizeof(Tensor) + tensor_bytes(a);
  return total;
}

TapeImpl& TapeImpl::of(const Var& v, const char* op) {
  if (v.slot_ == nullptr) {
    throw TapeError(std::string("chainrule: ") + op + ": the Var is empty (default-constructed)");
  }
  TapeImpl* tape = v.slot_->tape.load();
  if (tape == nullptr || v.slot_->generation.load() != v.generation_) {
    throw TapeError(std::string("chainrule: ") + op +
                    ": the Var's tape was cleared or destroyed after it was recorded");
  }
  return *tape;
}

TapeImpl& common_tape(std::span<const Var* const> operands, const char* op) {
  TapeImpl* tape = nullptr;
  for (const Var* v : operands) {
    TapeImpl& t = TapeImpl::of(*v, op);
    if (tape != nullptr && tape != &t) {
      throw TapeError(std::string("chainrule: ") + op +
                      ": operands are recorded on different tapes; an operation's inputs must "
                      "share one tape");
    }
    tape = &t;
  }
  return tape != nullptr ? *tape : current_tape().impl();
}

}  // namespace chainrule::ad::detail

namespace chainrule::ad {
namespace {
// This thread's innermost live scope (a plain pointer: nothing to destroy at thread exit,
// whatever the order thread-local tapes go in).
thread_local TapeScope* innermost_scope = nullptr;
}  // namespace

Tape::Tape() : impl_(std::make_unique<detail::TapeImpl>(*this)) {}
Tape::~Tape() {
  for (TapeScope* s = innermost_scope; s != nullptr; s = s->outer_) {
    if (s->tape_ == this) s->tape_ = nullptr;  // current_tape() reports it, never dangles
  }
}
void Tape::clear() { impl_->clear(); }
std::size_t Tape::size() const { return impl_->size(); }
std::size_t Tape::bytes() const { return impl_->bytes(); }
std::size_t Tape::capacity() const { return impl_->capacity(); }

Tape& current_tape() {
  if (innermost_scope != nullptr) {
    if (innermost_scope->tape_ == nullptr) {
      throw TapeError(
          "chainrule: current_tape: the tape of the innermost TapeScope was destroyed while "
          "the scope is still alive; end the scope before its tape");
    }
    return *innermost_scope->tape_;
  }
  thread_local Tape default_tape;
  return default_tape;
}

TapeScope::TapeScope(Tape& tape) : tape_(&tape), outer_(innermost_scope) {
  if (outer_ != nullptr) outer_->inner_ = this;
  innermost_scope = this;
}

TapeScope::~TapeScope() {  // unlinks itself, whether innermost or not
  if (inner_ != nullptr) {
    inner_->outer_ = outer_;
  } else {
    innermost_scope = outer_;
  }
  if (outer_ != nullptr) outer_->inner_ = inner_;
}

}  // namespace chainrule::ad
