# cmake -P driver for the consumer tests (tests/consumers/CMakeLists.txt): each STEP builds
# and runs one way of using berth from outside, against the install in PREFIX that the
# "consumers: install" fixture made from this build.
#   -DSTEP=install|find_package|core_only|store_needs_sqlite|pkg_config|add_subdirectory|python
#   -DSOURCE=berth's source tree -DBINARY=berth's build tree -DWORK=scratch dir -DPREFIX=...
#   -DGENERATOR -DCXX -DLAUNCHER -DBUILD_TYPE -DCXX_FLAGS -DWERROR -DSHARED -DPYTHON
cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(common -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
if(LAUNCHER)
  list(APPEND common -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()

# The README's library snippet, as CI promises to compile it.
function(readme_snippet out)
  file(READ "${SOURCE}/README.md" readme)
  string(REGEX MATCH "<!-- snippet:library -->\n```cpp\n(.*)\n```\n<!-- end snippet -->" _ "${readme}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "README.md has no <!-- snippet:library --> block")
  endif()
  file(WRITE "${out}" "${CMAKE_MATCH_1}\n")
endfunction()

# A fresh scratch directory, so that nothing a previous run found or built is reused (the
# add_subdirectory build keeps its tree: it is ninja's to bring up to date).
if(WORK AND NOT STEP STREQUAL "add_subdirectory")
  file(REMOVE_RECURSE "${WORK}")
  file(MAKE_DIRECTORY "${WORK}")
endif()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE "${PREFIX}")
  run(${CMAKE_COMMAND} --install "${BINARY}" --prefix "${PREFIX}")

elseif(STEP STREQUAL "find_package")
  # examples/consumer with find_package(berth CONFIG), every component; the README snippet too.
  readme_snippet("${WORK}/readme_snippet.cpp")
  run(${CMAKE_COMMAND} -S "${SOURCE}/examples/consumer" -B "${WORK}/build" ${common}
      -DCMAKE_PREFIX_PATH=${PREFIX} -DREADME_SNIPPET=${WORK}/readme_snippet.cpp)
  run(${CMAKE_COMMAND} --build "${WORK}/build")
  run("${WORK}/build/consumer" "${SOURCE}/examples/coreos-fleet/cluster.json")
  message("${last_output}")
  run("${WORK}/build/readme_snippet")
  message("${last_output}")

elseif(STEP STREQUAL "core_only")
  # COMPONENTS core with SQLite and cpp-httplib unfindable (httplib is found through pkg-config).
  run(${CMAKE_COMMAND} -S "${SOURCE}/tests/consumers/core_only" -B "${WORK}/build" ${common}
      -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON
      -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON)
  run(${CMAKE_COMMAND} --build "${WORK}/build")
  run("${WORK}/build/core_consumer")
  message("${last_output}")

elseif(STEP STREQUAL "store_needs_sqlite")
  # The other side of core_only: the same switches do make the store component fail to load,
  # so core_only passing means the config really did not look for SQLite.
  file(WRITE "${WORK}/src/CMakeLists.txt" "cmake_minimum_required(VERSION 3.20)\nproject(store_consumer LANGUAGES CXX)\nfind_package(berth CONFIG REQUIRED COMPONENTS store)\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -S "${WORK}/src" -B "${WORK}/build" ${common}
      -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON
      -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    message(FATAL_ERROR "COMPONENTS store configured without SQLite:\n${out}")
  elseif(NOT out MATCHES "SQLite3")
    message(FATAL_ERROR "COMPONENTS store failed, but not for SQLite:\n${out}")
  endif()
  message("COMPONENTS store without SQLite3: fails, as it must")

elseif(STEP STREQUAL "pkg_config")
  # The README snippet built with `c++ app.cpp $(pkg-config --cflags --libs berth)`.
  readme_snippet("${WORK}/readme_snippet.cpp")
  file(GLOB_RECURSE pc "${PREFIX}/*/berth.pc")
  get_filename_component(pcdir "${pc}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} "${pcdir}")
  run(pkg-config --cflags --libs berth)
  string(STRIP "${last_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(rpath "")
  if(SHARED)
    set(rpath "-Wl,-rpath,${PREFIX}/lib")
  endif()
  run(${LAUNCHER} ${CXX} "${WORK}/readme_snippet.cpp" -o "${WORK}/readme_snippet_pc" ${flags} ${rpath})
  run("${WORK}/readme_snippet_pc")
  message("${last_output}")

elseif(STEP STREQUAL "add_subdirectory")
  # examples/embedding vendors berth with add_subdirectory (the library only). Same flags as
  # this build, so ccache serves the library's objects from it.
  run(${CMAKE_COMMAND} -S "${SOURCE}/examples/embedding" -B "${WORK}" ${common}
      "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" -DBERTH_SOURCE=${SOURCE} -DBERTH_WERROR=${WERROR}
      -DBUILD_SHARED_LIBS=${SHARED})
  run(${CMAKE_COMMAND} --build "${WORK}")
  run("${WORK}/embedding")
  message("${last_output}")

elseif(STEP STREQUAL "python")
  # The installed Python module imports, from the prefix, with the interpreter it was built for.
  file(GLOB site "${PREFIX}/lib/python3*/*-packages")
  if(NOT site)
    message(FATAL_ERROR "no Python package under ${PREFIX}/lib")
  endif()
  set(ENV{PYTHONPATH} "${site}")
  run(${PYTHON} -c "import berth, pathlib; n = len(berth.place(pathlib.Path('${SOURCE}/examples/coreos-fleet/cluster.json'))['placements']); assert n == 27, n; print('installed module places', n)")
  message("${last_output}")
else()
  message(FATAL_ERROR "unknown STEP ${STEP}")
endif()
