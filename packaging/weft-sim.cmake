# The second Debian package, weft-sim (docs/simulation.md, "Installing weft-sim"): the weft-sim
# program alone, its Depends from dpkg-shlibdeps (the ns-3 libraries) plus weft of the same
# version. Its install rule (sim/CMakeLists.txt, component "sim") is excluded from the default
# install, so the weft package stays without ns-3; this writes the configuration that packages
# it: `cpack --config BUILD/CPackSimConfig.cmake` (scripts/package --sim).
configure_file(${CMAKE_CURRENT_LIST_DIR}/weft-sim/CPackConfig.cmake.in
  ${CMAKE_BINARY_DIR}/CPackSimConfig.cmake @ONLY)
