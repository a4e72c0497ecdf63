# Install rules: `cmake --install <build> [--prefix DIR]` puts
#   include/sippet/**                  the public headers
#   lib/libsippet_<layer>.a            one static library per layer
#   bin/sippet                         the command-line tool
#   lib/cmake/sippet/                  the package: an application outside the
#                                      tree does find_package(sippet) and links
#                                      sippet::message, sippet::auth,
#                                      sippet::transaction,
#                                      sippet::transport, sippet::stack,
#                                      sippet::proxy, sippet::capture,
#                                      sippet::metrics or sippet::registrar.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SIPPET_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/sippet)

# One layer's library: installed and exported as sippet::<name> (also an
# alias of that name in the build tree). A new layer is one more call.
function(sippet_install_layer target name)
  add_library(sippet::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  install(TARGETS ${target} EXPORT sippetTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# The headers, the exported targets and the package's config and version
# files. The config file finds the dependencies the targets name
# (Threads, OpenSSL::Crypto); compile definitions such as ASIO_STANDALONE
# travel with the targets themselves.
function(sippet_install_package)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sippet
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT sippetTargets NAMESPACE sippet:: DESTINATION ${SIPPET_INSTALL_CMAKEDIR})
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sippetConfig.cmake.in
                                ${PROJECT_BINARY_DIR}/sippetConfig.cmake
                                INSTALL_DESTINATION ${SIPPET_INSTALL_CMAKEDIR})
  # 0.x: a minor version may break the API.
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/sippetConfigVersion.cmake
                                   COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/sippetConfig.cmake
                ${PROJECT_BINARY_DIR}/sippetConfigVersion.cmake
          DESTINATION ${SIPPET_INSTALL_CMAKEDIR})
endfunction()
