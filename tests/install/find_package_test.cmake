# cmake -P script of the install.find_package test (see CMakeLists.txt here):
# installs BUILD_DIR into WORK_DIR/prefix, then configures and builds the
# consumer project against that prefix, and checks what it found and built.
foreach(var BUILD_DIR WORK_DIR CONSUMER_DIR EXAMPLE GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "find_package_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

set(config_args "")
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()

# Runs a command; stops the test with its output when it fails.
function(run what)
  message(STATUS "${what}: ${ARGN}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${what} failed (${result}):\n${out}")
  endif()
endfunction()

run("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} ${config_args} --prefix ${prefix})

file(GLOB_RECURSE package_config ${prefix}/*/sippetConfig.cmake)
if(NOT package_config)
  message(FATAL_ERROR "no sippetConfig.cmake under ${prefix}")
endif()
foreach(header sippet/message.hpp sippet/auth.hpp sippet/stack/stack.hpp)
  if(NOT EXISTS ${prefix}/include/${header})
    message(FATAL_ERROR "${prefix}/include/${header} was not installed")
  endif()
endforeach()

set(configure_args
    -S ${CONSUMER_DIR} -B ${consumer_build} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DSIPPET_EXAMPLE=${EXAMPLE})
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(CONFIG)
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=${CONFIG})
endif()
if(SANITIZE)
  # The installed libraries are instrumented: the application links the
  # sanitizer runtimes, as the build's own programs do.
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined"
       "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
endif()
run("configure the consumer" ${CMAKE_COMMAND} ${configure_args})

# The package came from the prefix, not from the build or source tree.
file(STRINGS ${consumer_build}/CMakeCache.txt found REGEX "^sippet_DIR:")
string(REGEX REPLACE "^[^=]*=" "" found "${found}")
string(FIND "${found}" "${prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "find_package(sippet) found '${found}', not the package in ${prefix}")
endif()

run("build the consumer" ${CMAKE_COMMAND} --build ${consumer_build} ${config_args})

set(binary ${consumer_build}/bin/minimal_uas)
if(NOT EXISTS ${binary} OR IS_DIRECTORY ${binary})
  message(FATAL_ERROR "the consumer's build made no ${binary}")
endif()
message(STATUS "built ${binary} against ${found}")
