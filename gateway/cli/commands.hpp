// The edigw commands. Exit codes: 0 clean, 1 the documents have errors
// (reported), 2 usage or I/O error.
#pragma once

#include <ostream>
#include <string_view>

namespace edigw::cli {

int run(int argc, char** argv, std::ostream& out, std::ostream& err);

// A calendar date written YYYY-MM-DD (leap years counted).
bool valid_iso_date(std::string_view d);
// --received: such a date, or "as-sent" (each interchange judged as of its own ISA date).
bool valid_received(std::string_view d);

int parse_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int inspect_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int ack_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int validate_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int receive_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int log_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int show_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int report_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int prune_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int emit_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int serve_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int reprocess_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int replay_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int kpi_command(int argc, char** argv, std::ostream& out, std::ostream& err);
int demo_command(int argc, char** argv, std::ostream& out, std::ostream& err);

} // namespace edigw::cli
