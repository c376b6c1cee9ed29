// edigw: the command-line entry point. Everything lives in gateway/cli/commands.
#include "gateway/cli/commands.hpp"

#include <exception>
#include <iostream>

int main(int argc, char** argv)
{
    try {
        return edigw::cli::run(argc, argv, std::cout, std::cerr);
    } catch (std::exception const& e) {
        // Only start-up and programmer errors get here; bad input is reported as values.
        std::cerr << "edigw: " << e.what() << '\n';
        return 2;
    }
}
