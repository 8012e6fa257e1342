# The API reference: `cmake --build <build> -t docs` writes <build>/docs/html/index.html from the
# public headers, README.md and docs/*.md, when Doxygen is installed (Debian: doxygen). Any
# Doxygen warning (an undocumented name, a @snippet or @ref that resolves to nothing) fails the
# target, and so does a broken link in the generated HTML (CheckDocLinks.cmake).
# The docs_complete test (label `docs`) runs the same warnings check without writing HTML.
include_guard(GLOBAL)
if(NOT PROJECT_IS_TOP_LEVEL)  # inside another project (add_subdirectory): its `docs` is not ours
  return()
endif()
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  message(STATUS "Doxygen not found: no `docs` target")
  return()
endif()

set(CHAINRULE_DOCS_OUTPUT ${PROJECT_BINARY_DIR}/docs)
set(CHAINRULE_DOCS_HTML YES)
set(CHAINRULE_DOCS_XML NO)
set(CHAINRULE_DOCS_WARN_AS_ERROR FAIL_ON_WARNINGS)
configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PROJECT_BINARY_DIR}/docs/Doxyfile @ONLY)
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${CHAINRULE_DOCS_OUTPUT}/html  # no stale pages to link to
  COMMAND Doxygen::doxygen ${PROJECT_BINARY_DIR}/docs/Doxyfile
  COMMAND ${CMAKE_COMMAND} -DHTML_DIR=${CHAINRULE_DOCS_OUTPUT}/html
          -P ${PROJECT_SOURCE_DIR}/cmake/CheckDocLinks.cmake
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "API reference: ${PROJECT_BINARY_DIR}/docs/html/index.html"
  VERBATIM)

if(CHAINRULE_BUILD_TESTS)
  # The same input, only the warnings matter (XML: the quickest output to write).
  set(CHAINRULE_DOCS_OUTPUT ${PROJECT_BINARY_DIR}/docs/check)
  set(CHAINRULE_DOCS_HTML NO)
  set(CHAINRULE_DOCS_XML YES)
  set(CHAINRULE_DOCS_WARN_AS_ERROR FAIL_ON_WARNINGS)
  configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in
                 ${PROJECT_BINARY_DIR}/docs/Doxyfile-check @ONLY)
  add_test(NAME docs_complete COMMAND Doxygen::doxygen ${PROJECT_BINARY_DIR}/docs/Doxyfile-check
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(docs_complete PROPERTIES LABELS docs)
endif()
