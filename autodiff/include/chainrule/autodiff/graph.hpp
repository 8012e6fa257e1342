#pragma once
/// @file
/// A Boost.Graph view of a recorded computation: for analysis (reachability, topological
/// order of a sub-graph, checks) and for drawing it with Graphviz.
///
/// This header is deliberately NOT part of <chainrule/autodiff.hpp>: it includes
/// <boost/graph/adjacency_list.hpp>, which is slow to compile. Include it only in the
/// translation units that need the view. The view is a copy made on request; the tape itself
/// never uses it (the reverse sweep is a backwards loop over the tape).
///
/// ```
/// #include <chainrule/autodiff/graph.hpp>
/// std::ofstream file("net.dot");
/// ad::write_dot(file, loss);   // then: dot -Tsvg net.dot -o net.svg
/// ```

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/tape.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

/// What the view keeps of one recorded node.
struct VertexInfo {
  std::string op;  ///< "matmul", "variable", "constant", a parameter's name ("W1", or
                   ///< "parameter" when it has none), arithmetic with a number as written
                   ///< ("/ 100", "× 2 + 1"), ...
  Shape shape;     ///< shape of the node's value
  bool requires_grad = false;  ///< a gradient flows to this node
  bool is_leaf = false;        ///< recorded by `variable`, `constant` or `Parameter::var()`
  std::size_t tape_index = 0;  ///< position on the tape (Var::index())
};

/// One vertex per recorded node, in tape order (so vertex numbers increase from operands to
/// results), and one edge operand → result per operand of each operation. An operation that
/// uses the same Var twice (`x * x`) has two parallel edges from it.
using ComputationGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, VertexInfo>;
/// A vertex of a ComputationGraph (its number: the node's rank in tape order).
using GraphVertex = ComputationGraph::vertex_descriptor;

/// The nodes `y` depends on (y included) and the edges between them. Throws TapeError for an
/// empty or stale Var.
CHAINRULE_AUTODIFF_EXPORT ComputationGraph graph(const Var& y);
/// Every node recorded on `tape` since its last clear.
CHAINRULE_AUTODIFF_EXPORT ComputationGraph graph(const Tape& tape);

/// Graphviz DOT text of a view: each vertex labelled "op\n(shape)"; leaves are boxes, operations
/// ellipses; nodes that require a gradient are filled light blue, the others grey.
CHAINRULE_AUTODIFF_EXPORT void write_dot(std::ostream& out, const ComputationGraph& g);
/// DOT text of `graph(y)`.
/// @snippet autodiff_examples.cpp write_dot
CHAINRULE_AUTODIFF_EXPORT void write_dot(std::ostream& out, const Var& y);
/// DOT text of `graph(tape)`.
CHAINRULE_AUTODIFF_EXPORT void write_dot(std::ostream& out, const Tape& tape);

/// The vertices ordered so that every operand comes before the operations that use it
/// (boost::topological_sort). Throws Error when the graph has a cycle, which a view made by
/// `graph()` never has.
CHAINRULE_AUTODIFF_EXPORT std::vector<GraphVertex> topological_order(const ComputationGraph& g);

}  // namespace chainrule::ad
