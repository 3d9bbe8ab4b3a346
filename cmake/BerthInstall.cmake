include(CMakePackageConfigHelpers)

# One export set per package component, so that berthConfig.cmake loads (and finds the
# dependencies of) only the components a consumer asks for: `core` needs neither SQLite nor
# cpp-httplib. berth::berth is not exported: the config file makes it from the components loaded.
set(BERTH_PACKAGE_COMPONENTS "")
foreach(_component core store serve)
  get_property(_libraries GLOBAL PROPERTY BERTH_COMPONENT_LIBRARIES_${_component})
  if(NOT _libraries)
    continue()
  endif()
  list(APPEND BERTH_PACKAGE_COMPONENTS ${_component})
  install(TARGETS ${_libraries} EXPORT berth-${_component}-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT berth-${_component}-targets NAMESPACE berth::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/berth)
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/berth DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET berth_cli)
  install(TARGETS berth_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# Shared builds: the installed CLI and Python module find the libraries relative to themselves.
if(BUILD_SHARED_LIBS)
  if(TARGET berth_cli)
    set_target_properties(berth_cli PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
  endif()
  if(TARGET berth_python AND NOT IS_ABSOLUTE "${BERTH_PYTHON_INSTALL_DIR}")
    file(RELATIVE_PATH _berth_py_to_lib "/prefix/${BERTH_PYTHON_INSTALL_DIR}/berth"
      "/prefix/${CMAKE_INSTALL_LIBDIR}")
    set_target_properties(berth_python PROPERTIES INSTALL_RPATH "$ORIGIN/${_berth_py_to_lib}")
  endif()
endif()

get_target_property(_berth_type berth_model TYPE)
if(_berth_type STREQUAL "SHARED_LIBRARY")
  set(BERTH_SHARED ON)
else()
  set(BERTH_SHARED OFF)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/berthConfig.cmake.in
  ${PROJECT_BINARY_DIR}/berthConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/berth)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/berthConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/berthConfig.cmake ${PROJECT_BINARY_DIR}/berthConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/berth)

# berth.pc for pkg-config users: every library, dependents before what they depend on (static
# linking order), and the pkg-config names of their dependencies. Static libraries need their
# dependencies at link time (Requires); shared ones only for the headers (nlohmann_json in
# Requires, the rest in Requires.private).
set(BERTH_PC_LIBS "")
foreach(_c serve state plan ops pack fleet io place model)
  if(TARGET berth_${_c})
    string(APPEND BERTH_PC_LIBS " -lberth_${_c}")
  endif()
endforeach()
string(STRIP "${BERTH_PC_LIBS}" BERTH_PC_LIBS)
set(_pc_link_deps "fmt sqlite3")
if(BERTH_WITH_ETCD)
  string(APPEND _pc_link_deps " cpp-httplib")
endif()
if(BERTH_SHARED)
  set(BERTH_PC_REQUIRES "nlohmann_json")
  set(BERTH_PC_REQUIRES_PRIVATE "${_pc_link_deps}")
else()
  set(BERTH_PC_REQUIRES "nlohmann_json ${_pc_link_deps}")
  set(BERTH_PC_REQUIRES_PRIVATE "")
endif()
file(RELATIVE_PATH BERTH_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/berth.pc.in ${PROJECT_BINARY_DIR}/berth.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/berth.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
