# Every dependency comes from Debian 12 packages (scripts/install-deps.sh installs them).
find_package(xtl REQUIRED)
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
