# Writes OUTPUT: a C++ source that holds each dashboard file of INPUTS (a
# ;-list) as a raw string literal, served by `edigw serve` at /<file name>.
# Run at build time by gateway/CMakeLists.txt, so editing a file rebuilds.
set(body "")
set(cases "")
set(n 0)
foreach(f IN LISTS INPUTS)
  get_filename_component(name "${f}" NAME)
  get_filename_component(ext "${f}" EXT)
  file(READ "${f}" text)
  string(FIND "${text}" ")edigw_asset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw-string delimiter )edigw_asset\"")
  endif()
  if(ext STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL ".js")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  else()
    set(type "application/octet-stream")
  endif()
  string(APPEND body "constexpr char asset_${n}[] = R\"edigw_asset(${text})edigw_asset\";\n")
  string(APPEND cases "    if (name == \"${name}\") return {{asset_${n}, sizeof asset_${n} - 1}, \"${type}\"};\n")
  math(EXPR n "${n} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from gateway/service/dashboard/ by cmake/embed_assets.cmake. Do not edit.
#include \"gateway/service/dashboard.hpp\"

namespace edigw::service {
namespace {
${body}} // namespace

dashboard_asset find_dashboard_asset(std::string_view name) noexcept
{
${cases}    return {};
}

} // namespace edigw::service
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
