# Writes OUTPUT: a C++ source that holds each dictionary file of INPUTS
# (a ;-list) as a raw string literal, keyed by its base name ("004010").
# Run at build time by x12/CMakeLists.txt, so editing a .dict file rebuilds.
set(body "")
set(cases "")
foreach(f IN LISTS INPUTS)
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${f}" text)
  string(FIND "${text}" ")edigw_dict\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw-string delimiter )edigw_dict\"")
  endif()
  string(APPEND body "constexpr char text_${name}[] = R\"edigw_dict(${text})edigw_dict\";\n")
  string(APPEND cases "    if (release == \"${name}\") return {text_${name}, sizeof text_${name} - 1};\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from x12/dictionary/*.dict by cmake/embed_dictionaries.cmake. Do not edit.
#include \"x12/dictionary.hpp\"

namespace edigw::x12 {
namespace {
${body}} // namespace

std::string_view embedded_dictionary_text(std::string_view release) noexcept
{
${cases}    return {};
}

} // namespace edigw::x12
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
