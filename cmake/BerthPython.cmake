# The Python module (python/, docs/python.md). Option BERTH_PYTHON: on by default when berth is
# the top-level project and Python's headers and pybind11 are found.
#
# The interpreter: Debian's /usr/bin/python3 when it exists and none was chosen, because the
# packages the module and its tests use (python3-pybind11, python3-pytest, python3-matplotlib)
# are installed for it, while the python3 first on PATH may be another one (pyenv, a venv)
# that cannot import a module built for Debian's. -DPython3_EXECUTABLE=... picks another.
set(_berth_py_found OFF)
set(_why "")
if(BERTH_SANITIZE AND NOT BERTH_PYTHON)
  # A sanitized extension cannot load into an interpreter without the sanitizer runtime; the
  # module's tests run in the ordinary build.
  set(_why "BERTH_SANITIZE is set (a sanitized module does not load into python3)")
elseif(_berth_top OR BERTH_PYTHON)
  if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
    set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python interpreter for the berth module")
  endif()
  find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
  if(NOT Python3_FOUND)
    set(_why "Python 3 with its headers (apt-get install python3-dev) was not found")
  else()
    find_package(pybind11 CONFIG QUIET)
    if(pybind11_FOUND)
      set(_berth_py_found ON)
    else()
      set(_why "pybind11 (apt-get install pybind11-dev) was not found")
    endif()
  endif()
endif()
option(BERTH_PYTHON "Build the Python module (needs pybind11)" ${_berth_py_found})

if(BERTH_PYTHON AND _berth_py_found)
  message(STATUS "berth: Python module for ${Python3_EXECUTABLE} (${Python3_VERSION}), pybind11 ${pybind11_VERSION}")
  add_subdirectory(python)
elseif(BERTH_PYTHON)
  message(FATAL_ERROR "berth: BERTH_PYTHON=ON but ${_why}")
elseif(_berth_top AND BERTH_BUILD_TESTS AND NOT _why STREQUAL "")
  # A visible skip in ctest rather than silently fewer tests.
  message(STATUS "berth: Python module not built: ${_why}")
  add_test(NAME "python: module" COMMAND ${CMAKE_COMMAND} -E echo "skipped: the Python module was not built: ${_why}")
  set_tests_properties("python: module" PROPERTIES SKIP_REGULAR_EXPRESSION "skipped:")
endif()
