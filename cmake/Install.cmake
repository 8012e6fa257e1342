# chainrule as a library for other projects: `cmake --install <build> [--prefix <dir>]` puts in
# the prefix
#   include/chainrule/...                   the public headers (and each library's export.hpp)
#   lib/libchainrule_{autodiff,nn,optim}.*  the libraries (static or shared: BUILD_SHARED_LIBS)
#   lib/cmake/chainrule/                    find_package(chainrule 0.2 CONFIG REQUIRED)
#   lib/pkgconfig/chainrule.pc              pkg-config --cflags --libs chainrule
#   share/doc/chainrule/                    LICENSE, CHANGELOG.md
# ("lib" is CMAKE_INSTALL_LIBDIR, lib/x86_64-linux-gnu for a /usr prefix on Debian.)
#
#   chainrule_library_api(<target>)  each module, after its add_library: export header and
#                                    symbol visibility
#   chainrule_install_package()      once, after every module: the CMake and pkg-config files
include_guard(GLOBAL)
include(GNUInstallDirs)
include(GenerateExportHeader)
include(CMakePackageConfigHelpers)

set(CHAINRULE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/chainrule
    CACHE STRING "Where chainruleConfig.cmake is installed (relative to the prefix)")

# A shared library exports only the names marked <TARGET>_EXPORT in the public headers (from the
# generated chainrule/<module>/export.hpp): everything else — detail::, the sources' helpers,
# xtensor/Boost template instances — stays hidden, so it cannot clash with a user's copy or
# become ABI by accident. (Instances of std:: templates stay visible: libstdc++ declares its
# namespace with default visibility.) A static library gets <TARGET>_STATIC_DEFINE, which turns
# the markers into nothing (also for its users: the definition is PUBLIC).
function(chainrule_library_api target)
  string(REGEX REPLACE "^chainrule_" "" module ${target})
  string(TOUPPER ${target} prefix)
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/include)
  generate_export_header(${target} EXPORT_FILE_NAME ${generated}/chainrule/${module}/export.hpp)
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    VERSION ${PROJECT_VERSION}
    # 0.x: a minor release may break the ABI, so the soname carries major.minor.
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    # libchainrule_nn finds libchainrule_autodiff next to itself, wherever the prefix is.
    INSTALL_RPATH "$ORIGIN")
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${generated}>)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    target_compile_definitions(${target} PUBLIC ${prefix}_STATIC_DEFINE)
  endif()
  install(DIRECTORY ${generated}/ TYPE INCLUDE)
endfunction()

# The package files. Called after the modules, when their targets (and types) are known.
function(chainrule_install_package)
  install(EXPORT chainruleTargets NAMESPACE chainrule:: DESTINATION ${CHAINRULE_INSTALL_CMAKEDIR})

  # What chainruleConfig.cmake must find_dependency(): the public dependencies always; the
  # private ones only for a static chainrule, whose exported targets list them as
  # $<LINK_ONLY:...> for the final link (a shared one has them in its own DT_NEEDED).
  get_target_property(type chainrule_autodiff TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    set(CHAINRULE_STATIC ON)
  else()
    set(CHAINRULE_STATIC OFF)
  endif()
  set(CHAINRULE_NATIVE ${CHAINRULE_NATIVE})  # ON/OFF, for the template's if()
  if(TARGET chainrule_distributed)
    set(CHAINRULE_DISTRIBUTED ON)
  else()
    set(CHAINRULE_DISTRIBUTED OFF)
  endif()
  configure_package_config_file(cmake/chainruleConfig.cmake.in
    ${PROJECT_BINARY_DIR}/chainruleConfig.cmake
    INSTALL_DESTINATION ${CHAINRULE_INSTALL_CMAKEDIR})
  # Semantic versioning below 1.0: any 0.y release may break the API, so a request for 0.2
  # accepts 0.2.z only (SameMinorVersion), not 0.3 as SameMajorVersion would. Once chainrule
  # reaches 1.0 this becomes SameMajorVersion.
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/chainruleConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/chainruleConfig.cmake
                ${PROJECT_BINARY_DIR}/chainruleConfigVersion.cmake
          DESTINATION ${CHAINRULE_INSTALL_CMAKEDIR})

  # chainrule.pc. The prefix is written relative to the .pc file (${pcfiledir}), so the file
  # stays right when the tree is installed elsewhere (`cmake --install --prefix <dir>`) or moved.
  set(pcdir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  file(RELATIVE_PATH CHAINRULE_PC_TO_PREFIX /${pcdir} /)
  string(REGEX REPLACE "/$" "" CHAINRULE_PC_TO_PREFIX "${CHAINRULE_PC_TO_PREFIX}")
  set(public_requires xtensor)  # the headers include xtensor (and Boost, which has no .pc)
  set(private_requires spdlog)
  set(private_libs ${BLAS_LIBRARIES} ${LAPACK_LIBRARIES})  # what FindBLAS/FindLAPACK linked
  list(REMOVE_DUPLICATES private_libs)
  set(cflags "")
  foreach(dir IN LISTS Boost_INCLUDE_DIRS)
    if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
      string(APPEND cflags " -I${dir}")
    endif()
  endforeach()
  if(CHAINRULE_NATIVE)
    list(APPEND public_requires xsimd)
    string(APPEND cflags " -DXTENSOR_USE_XSIMD -march=native")
  endif()
  if(CHAINRULE_STATIC)
    # Plain `pkg-config --libs chainrule` must link a static-only install, so the private
    # dependencies move to Requires/Libs (Libs.private is read only with --static).
    string(APPEND cflags " -DCHAINRULE_AUTODIFF_STATIC_DEFINE -DCHAINRULE_NN_STATIC_DEFINE"
                         " -DCHAINRULE_OPTIM_STATIC_DEFINE")
    list(APPEND public_requires ${private_requires})
    set(private_requires "")
    list(JOIN private_libs " " CHAINRULE_PC_LIBS)
    string(PREPEND CHAINRULE_PC_LIBS " ")
    set(CHAINRULE_PC_LIBS_PRIVATE "")
  else()
    set(CHAINRULE_PC_LIBS "")
    list(JOIN private_libs " " CHAINRULE_PC_LIBS_PRIVATE)
  endif()
  list(JOIN public_requires ", " CHAINRULE_PC_REQUIRES)
  list(JOIN private_requires ", " CHAINRULE_PC_REQUIRES_PRIVATE)
  set(CHAINRULE_PC_CFLAGS "${cflags}")
  configure_file(cmake/chainrule.pc.in ${PROJECT_BINARY_DIR}/chainrule.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/chainrule.pc DESTINATION ${pcdir})
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/CHANGELOG.md
          DESTINATION ${CMAKE_INSTALL_DOCDIR})
endfunction()
