// Helpers shared by the tests: files, the corpus manifest, and interchanges
// built from readable segment lists.
#pragma once

#include "x12/document.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace edigw::test {

std::string read_file(std::string const& path);
std::string corpus_dir();

struct corpus_entry {
    std::string path;     // relative to corpus_dir()
    std::string sets, version, delimiters, expected_valid, notes;
};
std::vector<corpus_entry> corpus();

// Writes `segments` (each "TAG*EL*EL", '*' and ':' and '^' as written) as an
// interchange with the given delimiters; the terminator follows every segment.
std::string with_delimiters(std::vector<std::string> const& segments, char element = '*', char component = ':',
                            char repetition = '^', std::string_view terminator = "~");

// A clean interchange with one 850 group (2 orders) in X12 version 00401 or 00501.
std::vector<std::string> sample_segments(std::string_view isa_version);

std::string isa(std::string_view version, std::string_view control = "000000101", char ack = '1', char repetition = '^');

std::vector<x12::diagnostic> with_code(x12::document const& doc, x12::error code);

// Streams `bytes` through the parser `chunk` bytes at a time and records what
// it saw, so tests can compare with an in-memory parse.
struct trace {
    std::vector<std::string> events;
    std::vector<std::string> diagnostics;
    x12::parse_stats stats;
};
trace stream_trace(std::string const& bytes, std::size_t chunk, std::size_t max_set_bytes = std::size_t{256} << 20);
trace memory_trace(std::string const& bytes);

} // namespace edigw::test
