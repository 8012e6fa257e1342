// The Boost.Graph view of a tape: built on request, walked with Boost.Graph algorithms.

#include "chainrule/autodiff/graph.hpp"

#include <algorithm>
#include <iterator>
#include <ostream>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/topological_sort.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "node.hpp"

namespace chainrule::ad {
namespace {

// A named parameter is labelled with its name ("W1"), an operation with its rule's own label
// when it has one ("/ 100"), any other node with its op.
std::string label_of(const detail::Node& n) {
  if (n.parameter && !n.parameter->name.empty()) return n.parameter->name;
  if (n.rule != nullptr && n.rule->label != nullptr) return n.rule->label(n);
  return n.name();
}

VertexInfo info_of(const detail::TapeImpl& tape, std::uint32_t i) {
  const detail::Node& n = tape.node(i);
  return VertexInfo{label_of(n), shape_of(n.val()), n.requires_grad, n.is_leaf(), i};
}

// Nodes [0, count) of the tape, vertex i = tape node i.
ComputationGraph tape_graph(const detail::TapeImpl& tape, std::uint32_t count) {
  ComputationGraph g(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    g[i] = info_of(tape, i);
    for (std::uint32_t operand : tape.node(i).inputs) boost::add_edge(operand, i, g);
  }
  return g;
}

// Marks every vertex a breadth-first search reaches.
struct ReachedRecorder : boost::default_bfs_visitor {
  std::vector<bool>* reached;
  template <class Vertex, class Graph>
  void discover_vertex(Vertex v, const Graph&) const {
    (*reached)[v] = true;
  }
};

// `"` and `\` escaped for a DOT string.
std::string dot_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

ComputationGraph graph(const Var& y) {
  const detail::TapeImpl& tape = detail::TapeImpl::of(y, "graph");
  const std::uint32_t root = y.index();
  // Operands precede results on the tape, so y's ancestors are among nodes 0..root; search
  // them backwards (operand ← result) from y.
  const ComputationGraph whole = tape_graph(tape, root + 1);
  std::vector<bool> reached(root + 1, false);
  boost::breadth_first_search(boost::make_reverse_graph(whole), root,
                              boost::visitor(ReachedRecorder{{}, &reached}));

  ComputationGraph sub;
  std::vector<GraphVertex> vertex_of(root + 1);
  for (std::uint32_t i = 0; i <= root; ++i) {
    if (reached[i]) vertex_of[i] = boost::add_vertex(whole[i], sub);
  }
  for (auto [e, end] = boost::edges(whole); e != end; ++e) {
    const GraphVertex from = boost::source(*e, whole);
    const GraphVertex to = boost::target(*e, whole);
    if (reached[from] && reached[to]) boost::add_edge(vertex_of[from], vertex_of[to], sub);
  }
  return sub;
}

ComputationGraph graph(const Tape& tape) { return tape_graph(tape.impl(), tape.impl().size()); }

void write_dot(std::ostream& out, const ComputationGraph& g) {
  const auto vertex_writer = [&g](std::ostream& os, GraphVertex v) {
    const VertexInfo& info = g[v];
    os << "[label=\"" << dot_escaped(info.op) << "\\n"
       << to_string(info.shape) << "\""
       << ", shape=" << (info.is_leaf ? "box" : "ellipse") << ", style=filled"
       << ", fillcolor=\"" << (info.requires_grad ? "lightblue" : "lightgrey") << "\""
       << ", tooltip=\"tape node " << info.tape_index
       << (info.requires_grad ? ", requires_grad" : "") << "\"]";
  };
  const auto graph_writer = [](std::ostream& os) {
    os << "rankdir=TB;\nnode [fontname=\"Helvetica\"];\n";
  };
  boost::write_graphviz(out, g, vertex_writer, boost::default_writer(), graph_writer);
}

void write_dot(std::ostream& out, const Var& y) { write_dot(out, graph(y)); }

void write_dot(std::ostream& out, const Tape& tape) { write_dot(out, graph(tape)); }

std::vector<GraphVertex> topological_order(const ComputationGraph& g) {
  std::vector<GraphVertex> order;
  order.reserve(boost::num_vertices(g));
  try {
    boost::topological_sort(g, std::back_inserter(order));
  } catch (const boost::not_a_dag&) {
    throw Error("chainrule: topological_order: the graph has a cycle (" +
                std::to_string(boost::num_vertices(g)) + " vertices, " +
                std::to_string(boost::num_edges(g)) + " edges)");
  }
  std::reverse(order.begin(), order.end());  // topological_sort writes results first
  return order;
}

}  // namespace chainrule::ad
