// make-handout: turns a version's reference handlers into the file students start from.
// Every block between "// SOLUTION BEGIN" and "// SOLUTION END" becomes a TODO naming the
// version and the function, and a body that fails loudly: it throws, and the monitor stops
// the VM with that message, so an unwritten handler can never pass for a written one.
//
//   make-handout VERSION INPUT OUTPUT      e.g. make-handout v2 versions/v2/handlers.cpp out.cpp
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr const char* kBegin = "// SOLUTION BEGIN";
constexpr const char* kEnd = "// SOLUTION END";

bool has(const std::string& line, const char* marker) { return line.find(marker) != std::string::npos; }

// The function a solution block belongs to: the last definition line above it, one that
// starts at column 0, opens a parameter list and ends with "{".
std::string enclosing_function(const std::vector<std::string>& lines, std::size_t block) {
    const auto is_name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (std::size_t i = block; i-- > 0;) {
        const std::string& line = lines[i];
        const std::size_t open = line.find('(');
        const std::size_t last = line.find_last_not_of(" \t");
        if (line.empty() || !std::isalpha(static_cast<unsigned char>(line[0])) || open == std::string::npos ||
            last == std::string::npos || line[last] != '{')
            continue;
        std::size_t start = open;
        while (start > 0 && is_name_char(line[start - 1])) --start;
        if (start < open) return line.substr(start, open - start);
    }
    return "this handler";
}

std::string indentation(const std::string& line) { return line.substr(0, line.find_first_not_of(' ')); }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: make-handout VERSION INPUT OUTPUT\n";
        return 2;
    }
    const std::string version = argv[1];
    std::ifstream in(argv[2]);
    if (!in) {
        std::cerr << "make-handout: cannot read " << argv[2] << "\n";
        return 2;
    }
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);

    std::ostringstream out;
    bool included = false;
    unsigned blocks = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        if (has(line, kEnd)) {
            std::cerr << "make-handout: " << argv[2] << ":" << i + 1 << ": SOLUTION END without BEGIN\n";
            return 1;
        }
        if (!has(line, kBegin)) {
            out << line << '\n';
            if (!included && line.rfind("#include", 0) == 0) {
                out << "#include <stdexcept>  // the TODO bodies throw\n";
                included = true;
            }
            continue;
        }
        std::size_t end = i + 1;
        while (end < lines.size() && !has(lines[end], kEnd)) ++end;
        if (end == lines.size()) {
            std::cerr << "make-handout: " << argv[2] << ":" << i + 1 << ": SOLUTION BEGIN without END\n";
            return 1;
        }
        const std::string pad = indentation(line);
        const std::string function = enclosing_function(lines, i);
        out << pad << "// TODO(" << version << "): write " << function << " (see the comment above it).\n";
        out << pad << "throw std::logic_error(\"TODO(" << version << "): " << function << " is not written yet\");\n";
        ++blocks;
        i = end;
    }
    if (blocks == 0) {
        std::cerr << "make-handout: " << argv[2] << " has no SOLUTION block\n";
        return 1;
    }
    std::ofstream file(argv[3]);
    file << out.str();
    if (!file) {
        std::cerr << "make-handout: cannot write " << argv[3] << "\n";
        return 2;
    }
    return 0;
}
