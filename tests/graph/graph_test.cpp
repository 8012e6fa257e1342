// The Boost.Graph view of a tape: structure, reachability, topological order and DOT output.
#define BOOST_TEST_MODULE graph
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include <chainrule/autodiff.hpp>
#include <chainrule/autodiff/graph.hpp>

namespace ad = chainrule::ad;

namespace {

// h = sigmoid(W·x + b), loss = sum(h): the small network every test draws.
struct Network {
  ad::Var W, x, b, z, a, h, loss;
};

Network record_network() {
  Network n;
  n.W = ad::variable(ad::Tensor{{0.5, -1.0}, {2.0, 0.25}, {1.0, 1.0}});
  ad::Tensor column{1.0, 2.0};
  column.reshape({2, 1});
  n.x = ad::constant(column);
  ad::Tensor bias{0.1, -0.2, 0.3};
  bias.reshape({3, 1});
  n.b = ad::variable(bias);
  n.z = ad::matmul(n.W, n.x);
  n.a = n.z + n.b;
  n.h = ad::sigmoid(n.a);
  n.loss = ad::sum(n.h);
  return n;
}

// The one vertex whose op is `op` (fails the test when there is not exactly one).
ad::GraphVertex vertex_named(const ad::ComputationGraph& g, const std::string& op) {
  ad::GraphVertex found = boost::num_vertices(g);
  int count = 0;
  for (ad::GraphVertex v = 0; v < boost::num_vertices(g); ++v) {
    if (g[v].op == op) {
      found = v;
      ++count;
    }
  }
  BOOST_TEST_REQUIRE(count == 1, "expected one '" << op << "' vertex, found " << count);
  return found;
}

std::vector<std::string> ops_of(const ad::ComputationGraph& g) {
  std::vector<std::string> ops;
  for (ad::GraphVertex v = 0; v < boost::num_vertices(g); ++v) ops.push_back(g[v].op);
  return ops;
}

bool has_edge(const ad::ComputationGraph& g, ad::GraphVertex from, ad::GraphVertex to) {
  return boost::edge(from, to, g).second;
}

// Every edge goes from an earlier to a later position of `order`, which lists each vertex once.
void check_topological(const ad::ComputationGraph& g, const std::vector<ad::GraphVertex>& order) {
  BOOST_TEST_REQUIRE(order.size() == boost::num_vertices(g));
  std::vector<std::size_t> position(order.size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  for (std::size_t p : position) BOOST_TEST_REQUIRE(p < order.size());  // a permutation
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    BOOST_TEST(position[boost::source(*e, g)] < position[boost::target(*e, g)]);
  }
}

// A user operation whose name needs escaping in DOT.
struct Twice : ad::Function {
  std::string name() const override { return "twice \"quoted\""; }
  ad::Tensor forward(const std::vector<ad::Var>& in) override { return 2.0 * in[0].value(); }
  std::vector<ad::Var> backward(const ad::Var& g, const std::vector<ad::Var>&,
                                const ad::Var&) override {
    return {2.0 * g};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(small_network_has_one_vertex_per_node_and_one_edge_per_operand) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const Network n = record_network();
  const ad::ComputationGraph g = ad::graph(n.loss);

  BOOST_TEST(boost::num_vertices(g) == 7u);
  BOOST_TEST(boost::num_edges(g) == 6u);
  const std::vector<std::string> expected{"variable", "constant", "variable", "matmul",
                                          "add",      "sigmoid",  "sum"};
  BOOST_TEST(ops_of(g) == expected, boost::test_tools::per_element());

  const ad::GraphVertex matmul = vertex_named(g, "matmul");
  const ad::GraphVertex add = vertex_named(g, "add");
  const ad::GraphVertex sigmoid = vertex_named(g, "sigmoid");
  const ad::GraphVertex sum = vertex_named(g, "sum");
  const ad::GraphVertex x = vertex_named(g, "constant");
  BOOST_TEST(has_edge(g, 0, matmul));  // W
  BOOST_TEST(has_edge(g, x, matmul));
  BOOST_TEST(has_edge(g, 2, add));  // b
  BOOST_TEST(has_edge(g, matmul, add));
  BOOST_TEST(has_edge(g, add, sigmoid));
  BOOST_TEST(has_edge(g, sigmoid, sum));
  BOOST_TEST(!has_edge(g, matmul, 0));  // operand → result, never backwards
  BOOST_TEST(boost::in_degree(matmul, g) == 2u);
  BOOST_TEST(boost::out_degree(sum, g) == 0u);

  BOOST_TEST((g[matmul].shape == ad::Shape{3, 1}));
  BOOST_TEST((g[0].shape == ad::Shape{3, 2}));
  BOOST_TEST(g[sum].shape.empty());
  BOOST_TEST(g[0].is_leaf);
  BOOST_TEST(g[0].requires_grad);
  BOOST_TEST(g[x].is_leaf);
  BOOST_TEST(!g[x].requires_grad);
  BOOST_TEST(!g[matmul].is_leaf);
  BOOST_TEST(g[matmul].requires_grad);
  BOOST_TEST(g[sum].tape_index == n.loss.index());
  BOOST_TEST(g[matmul].tape_index == n.z.index());
}

BOOST_AUTO_TEST_CASE(labels_name_parameters) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Parameter W1(ad::Tensor{1.0, 2.0}, "W1");
  const ad::Parameter unnamed(ad::Tensor{3.0, 4.0});
  const ad::Var total = ad::sum(W1.var() * unnamed.var());
  const std::vector<std::string> ops = ops_of(ad::graph(tape));
  for (const char* label : {"W1", "parameter"}) {
    BOOST_TEST((std::find(ops.begin(), ops.end(), label) != ops.end()), "no vertex " << label);
  }
  std::ostringstream dot;
  ad::write_dot(dot, total);
  BOOST_TEST(dot.str().find("label=\"W1\\n(") != std::string::npos, dot.str());
}

BOOST_AUTO_TEST_CASE(arithmetic_with_a_number_is_labelled_as_written) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0});
  const std::vector<std::pair<ad::Var, std::string>> cases = {
      {x / 100.0, "/ 100"},
      {x * 2.0, "× 2"},
      {x * 0.3, "× 0.3"},
      {x + 1.0, "+ 1"},
      {x - 3.0, "− 3"},
      {-x, "−"},
      {1.0 - x, "1 −"},
      {x / -4.0, "/ -4"},
      {x / 3.0, "/ 3"},
      {ad::affine(x, 2.0, 1.0), "× 2 + 1"},
      {ad::affine(x, 0.5, -2.0), "/ 2 − 2"}};
  const ad::ComputationGraph g = ad::graph(tape);
  for (const auto& [var, label] : cases) BOOST_TEST(g[var.index()].op == label);
}

BOOST_AUTO_TEST_CASE(graph_of_a_var_keeps_only_the_nodes_it_depends_on) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const Network n = record_network();
  const ad::Var unused = ad::variable(ad::Tensor{1.0, 2.0});
  const ad::Var side = ad::exp(n.W) * 3.0;  // reads W, but loss does not read it
  const ad::Var later = n.loss + ad::sum(side);

  const ad::ComputationGraph of_loss = ad::graph(n.loss);
  BOOST_TEST(boost::num_vertices(of_loss) == 7u);
  for (const std::string& op : ops_of(of_loss)) {
    BOOST_TEST(op != "exp");
    BOOST_TEST(op != "× 3");
  }

  const ad::ComputationGraph of_z = ad::graph(n.z);  // W, x, matmul
  BOOST_TEST(boost::num_vertices(of_z) == 3u);
  BOOST_TEST(boost::num_edges(of_z) == 2u);

  const ad::ComputationGraph of_leaf = ad::graph(unused);  // a leaf alone
  BOOST_TEST(boost::num_vertices(of_leaf) == 1u);
  BOOST_TEST(boost::num_edges(of_leaf) == 0u);

  // The whole tape has everything, including `unused`, which nothing reads.
  const ad::ComputationGraph whole = ad::graph(tape);
  BOOST_TEST(boost::num_vertices(whole) == tape.size());
  BOOST_TEST(boost::num_vertices(ad::graph(later)) == tape.size() - 1);  // all but `unused`
  const ad::GraphVertex u = unused.index();
  BOOST_TEST(whole[u].op == "variable");
  BOOST_TEST(boost::in_degree(u, whole) == 0u);
  BOOST_TEST(boost::out_degree(u, whole) == 0u);
  BOOST_TEST(boost::out_degree(n.W.index(), whole) == 2u);  // matmul and exp
}

BOOST_AUTO_TEST_CASE(an_operand_used_twice_gives_two_parallel_edges) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0, 3.0});
  const ad::Var y = x * x;
  const ad::ComputationGraph g = ad::graph(y);
  BOOST_TEST(boost::num_vertices(g) == 2u);
  BOOST_TEST(boost::num_edges(g) == 2u);
  BOOST_TEST(boost::out_degree(0, g) == 2u);
  BOOST_TEST(g[1].op == "mul");
}

BOOST_AUTO_TEST_CASE(topological_order_puts_operands_first) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const Network n = record_network();
  check_topological(ad::graph(n.loss), ad::topological_order(ad::graph(n.loss)));

  // The gradient recorded with create_graph is a larger graph over the same tape.
  const ad::Var dW = ad::grad(n.loss, {n.W}, {.create_graph = true})[0];
  const ad::ComputationGraph g = ad::graph(dW);
  BOOST_TEST(boost::num_vertices(g) > 3u);
  check_topological(g, ad::topological_order(g));

  ad::ComputationGraph cyclic = ad::graph(n.z);
  boost::add_edge(2, 0, cyclic);  // matmul → W closes a cycle
  BOOST_CHECK_THROW(ad::topological_order(cyclic), ad::Error);
}

BOOST_AUTO_TEST_CASE(invalid_vars_are_refused) {
  BOOST_CHECK_THROW(ad::graph(ad::Var{}), ad::TapeError);
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var x = ad::variable(ad::Tensor{1.0});
  tape.clear();
  BOOST_CHECK_THROW(ad::graph(x), ad::TapeError);
  std::ostringstream out;
  BOOST_CHECK_THROW(ad::write_dot(out, x), ad::TapeError);
  BOOST_TEST(boost::num_vertices(ad::graph(tape)) == 0u);
}

BOOST_AUTO_TEST_CASE(dot_text_labels_ops_and_shapes_and_marks_leaves_and_gradients) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const Network n = record_network();
  std::ostringstream out;
  ad::write_dot(out, n.loss);
  const std::string dot = out.str();
  BOOST_TEST_MESSAGE(dot);
  const auto contains = [&dot](const std::string& s) { return dot.find(s) != std::string::npos; };
  BOOST_TEST(dot.rfind("digraph", 0) == 0u);
  BOOST_TEST(contains("label=\"variable\\n(3, 2)\""));
  BOOST_TEST(contains("label=\"constant\\n(2, 1)\""));
  BOOST_TEST(contains("label=\"matmul\\n(3, 1)\""));
  BOOST_TEST(contains("label=\"add\\n(3, 1)\""));
  BOOST_TEST(contains("label=\"sigmoid\\n(3, 1)\""));
  BOOST_TEST(contains("label=\"sum\\n()\""));
  BOOST_TEST(contains("0->3"));  // W → matmul, vertices numbered in tape order
  BOOST_TEST(contains("5->6"));  // sigmoid → sum

  // Per vertex line: leaves are boxes, ops ellipses; requires_grad is the fill colour.
  std::istringstream lines(dot);
  std::string line;
  int boxes = 0, ellipses = 0, blue = 0, grey = 0;
  while (std::getline(lines, line)) {
    if (line.find("label=") == std::string::npos) continue;
    const bool box = line.find("shape=box") != std::string::npos;
    const bool is_blue = line.find("fillcolor=\"lightblue\"") != std::string::npos;
    boxes += box;
    ellipses += line.find("shape=ellipse") != std::string::npos;
    blue += is_blue;
    grey += line.find("fillcolor=\"lightgrey\"") != std::string::npos;
    if (line.find("constant") != std::string::npos) {
      BOOST_TEST(box);
      BOOST_TEST(!is_blue);
    }
  }
  BOOST_TEST(boxes == 3);
  BOOST_TEST(ellipses == 4);
  BOOST_TEST(blue == 6);  // everything but the constant x
  BOOST_TEST(grey == 1);

  // The tape overload draws the same nodes here (nothing else was recorded).
  std::ostringstream whole;
  ad::write_dot(whole, tape);
  BOOST_TEST(whole.str() == dot);
}

BOOST_AUTO_TEST_CASE(graphviz_dot_renders_the_written_file_as_svg) {
#ifdef CHAINRULE_DOT_EXECUTABLE
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const Network n = record_network();
  const ad::Var y = ad::apply(std::make_unique<Twice>(), {n.loss});  // a name with quotes

  std::random_device random;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("chainrule_graph_test_" + std::to_string(random()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path dot_file = dir / "network.dot";
  const std::filesystem::path svg_file = dir / "network.svg";
  {
    std::ofstream file(dot_file);
    ad::write_dot(file, y);
  }
  const std::string command = std::string("\"") + CHAINRULE_DOT_EXECUTABLE + "\" -Tsvg \"" +
                              dot_file.string() + "\" -o \"" + svg_file.string() + "\"";
  BOOST_TEST_MESSAGE("running " << command);
  BOOST_TEST(std::system(command.c_str()) == 0);
  std::ifstream svg(svg_file);
  const std::string text{std::istreambuf_iterator<char>(svg), std::istreambuf_iterator<char>()};
  BOOST_TEST(text.find("<svg") != std::string::npos);
  BOOST_TEST(text.find("matmul") != std::string::npos);
  BOOST_TEST(text.find("twice &quot;quoted&quot;") != std::string::npos);
  std::filesystem::remove_all(dir);
#else
  BOOST_TEST_MESSAGE("skipped: Graphviz `dot` was not found when the build was configured");
#endif
}
