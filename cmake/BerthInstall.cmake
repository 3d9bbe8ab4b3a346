include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(_components GLOBAL PROPERTY BERTH_COMPONENTS)
install(TARGETS berth berth_warnings ${_components} EXPORT berthTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/berth DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT berthTargets NAMESPACE berth:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/berth)
if(TARGET berth_cli)
  install(TARGETS berth_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/berthConfig.cmake.in
  ${PROJECT_BINARY_DIR}/berthConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/berth)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/berthConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/berthConfig.cmake ${PROJECT_BINARY_DIR}/berthConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/berth)

# berth.pc for pkg-config users: every component, dependents before what they depend on (static
# linking order), and the pkg-config names of their dependencies.
set(BERTH_PC_LIBS "")
foreach(_c serve plan state ops fleet pack core)
  if(TARGET berth_${_c})
    string(APPEND BERTH_PC_LIBS " -lberth_${_c}")
  endif()
endforeach()
string(STRIP "${BERTH_PC_LIBS}" BERTH_PC_LIBS)
set(BERTH_PC_REQUIRES "fmt nlohmann_json sqlite3")
if(BERTH_WITH_ETCD)
  string(APPEND BERTH_PC_REQUIRES " cpp-httplib")
endif()
file(RELATIVE_PATH BERTH_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/berth.pc.in ${PROJECT_BINARY_DIR}/berth.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/berth.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
