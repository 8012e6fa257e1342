# Every dependency comes from Debian 12 packages (scripts/install-deps.sh installs them).
# Here: what the libraries need, and Boost.Test when the tests are built. What only the examples
# (CLI11, PLplot) or the benchmarks (Google Benchmark, LibTorch) need is found in their folders,
# which are added only when enabled, so a project using chainrule needs none of them.
find_package(xtl REQUIRED)
# xsimd: the AVX2 kernels of exp/log/tanh/sigmoid; with CHAINRULE_NATIVE also XTENSOR_USE_XSIMD.
find_package(xsimd REQUIRED)
find_package(xtensor REQUIRED)
find_package(xtensor-blas REQUIRED)
find_package(BLAS REQUIRED)
find_package(LAPACK REQUIRED)
find_package(spdlog REQUIRED)
# Boost.Graph is header-only for what chainrule uses (adjacency_list, write_graphviz).
find_package(Boost 1.74 REQUIRED)
if(CHAINRULE_BUILD_TESTS)
  find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)
endif()
# JSON (checkpoint manifests, example inputs/outputs): header-only, well tested, Debian-packaged.
find_package(nlohmann_json 3 REQUIRED)
