#pragma once
/// @file
/// `Tape`: the record of operations that the reverse sweep walks backwards.

#include <cstddef>
#include <memory>

#include "chainrule/autodiff/export.hpp"

namespace chainrule::ad {

namespace detail {
class TapeImpl;
}

/// Records every operation on Vars, in creation order (which is a topological order, so the
/// reverse sweep is one backwards loop).
///
/// `clear()` forgets the recorded operations but keeps the node storage and tensor buffers,
/// so a training loop that clears the tape every iteration runs in flat memory. Each thread
/// has a default tape (`current_tape()`); `TapeScope` makes another tape current for a scope.
/// A tape belongs to one thread at a time.
/// @snippet autodiff_examples.cpp tape
class CHAINRULE_AUTODIFF_EXPORT Tape {
 public:
  /// An empty tape.
  Tape();
  ~Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// Forgets every recorded node; Vars recorded so far become invalid. Storage is kept.
  void clear();
  /// Number of nodes recorded since the last clear.
  std::size_t size() const;
  /// Bytes held by the tape: node storage and tensor buffers, including reusable ones.
  std::size_t bytes() const;
  /// Nodes the storage can hold before it grows.
  std::size_t capacity() const;

  /// The implementation, for chainrule's own sources (its type is not public).
  detail::TapeImpl& impl() { return *impl_; }
  /// The implementation, for chainrule's own sources (its type is not public).
  const detail::TapeImpl& impl() const { return *impl_; }

 private:
  std::unique_ptr<detail::TapeImpl> impl_;
};

/// The tape new leaves are recorded on: the innermost live `TapeScope`'s, else this thread's
/// default tape. Throws TapeError when that scope's tape has been destroyed.
CHAINRULE_AUTODIFF_EXPORT Tape& current_tape();

/// Makes `tape` the current tape of this thread until the scope ends. Scopes may end in any
/// order (two heap-allocated ones, say): the current tape is always the one of the most
/// recently created scope still alive. A scope belongs to the thread that created it.
/// @snippet autodiff_examples.cpp tape
class CHAINRULE_AUTODIFF_EXPORT TapeScope {
 public:
  /// Makes `tape` current until this scope, and every scope created after it, have ended.
  explicit TapeScope(Tape& tape);
  ~TapeScope();
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;

 private:
  friend class Tape;
  friend Tape& current_tape();
  // This thread's live scopes form a list, innermost first; a scope unlinks itself wherever
  // it is, and a destroyed tape nulls the `tape_` of the scopes still naming it.
  Tape* tape_;
  TapeScope* outer_;
  TapeScope* inner_ = nullptr;
};

}  // namespace chainrule::ad
