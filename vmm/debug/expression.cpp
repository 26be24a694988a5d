// A small recursive-descent evaluator: sum := product (('+'|'-') product)*;
// product := unary ('*' unary)*; unary := '-' unary | atom; atom := number | name | '(' sum ')'.
#include "vmm/debug/expression.h"

#include <cctype>

#include <fmt/format.h>

#include "vmm/sysreg.h"
#include "vmm/sysreg_emulation.h"
#include "vmm/vm.h"

namespace trapeze {

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

namespace {

// xN / wN: the register number, or -1.
int general_register(std::string_view name) {
    if (name.size() < 2 || name.size() > 3 || (name[0] != 'x' && name[0] != 'w')) return -1;
    int n = 0;
    for (const char c : name.substr(1)) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
        n = n * 10 + (c - '0');
    }
    return n <= 30 ? n : -1;
}

class Parser {
public:
    Parser(const Vcpu& vcpu, std::string_view text) : vcpu_(vcpu), text_(text) {}

    std::uint64_t parse() {
        if (text_.find_first_not_of(" \t") == std::string_view::npos) throw ExpressionError("an address or value is missing");
        const std::uint64_t v = sum();
        skip();
        if (at_ < text_.size()) throw ExpressionError(fmt::format("unexpected '{}' in '{}'", text_.substr(at_), text_));
        return v;
    }

private:
    void skip() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t')) ++at_;
    }
    bool eat(char c) {
        skip();
        if (at_ < text_.size() && text_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }
    std::uint64_t sum() {
        std::uint64_t v = product();
        for (;;) {
            if (eat('+')) v += product();
            else if (eat('-')) v -= product();
            else return v;
        }
    }
    std::uint64_t product() {
        std::uint64_t v = unary();
        while (eat('*')) v *= unary();
        return v;
    }
    std::uint64_t unary() {
        if (eat('-')) return 0 - unary();
        return atom();
    }
    std::uint64_t atom() {
        skip();
        if (eat('(')) {
            const std::uint64_t v = sum();
            if (!eat(')')) throw ExpressionError(fmt::format("')' expected in '{}'", text_));
            return v;
        }
        const std::size_t start = at_;
        while (at_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_' ||
                                      text_[at_] == '.' || text_[at_] == '$'))
            ++at_;
        const std::string_view word = text_.substr(start, at_ - start);
        if (word.empty()) {
            if (at_ >= text_.size()) throw ExpressionError(fmt::format("'{}' ends too soon", text_));
            throw ExpressionError(fmt::format("unexpected '{}' in '{}'", text_[at_], text_));
        }
        if (std::isdigit(static_cast<unsigned char>(word[0]))) return number(word);
        if (const auto r = register_value(vcpu_, word)) return *r;
        for (const ElfSymbol& s : vcpu_.vm().image().symbols())
            if (s.name == word) return s.address;
        throw ExpressionError(fmt::format("unknown name '{}' (not a register, a system register or a guest symbol)", word));
    }
    std::uint64_t number(std::string_view word) {
        unsigned base = 10;
        std::string_view digits = word;
        if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
            base = 16;
            digits.remove_prefix(2);
        }
        std::uint64_t v = 0;
        for (const char c : digits) {
            const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                          : base == 16 && std::isxdigit(static_cast<unsigned char>(c))
                              ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                              : -1;
            if (d < 0) throw ExpressionError(fmt::format("'{}' is not a number (decimal, or hex after 0x)", word));
            if (v > (~0ull - static_cast<unsigned>(d)) / base) throw ExpressionError(fmt::format("{} does not fit in 64 bits", word));
            v = v * base + static_cast<unsigned>(d);
        }
        return v;
    }

    const Vcpu& vcpu_;
    std::string_view text_;
    std::size_t at_ = 0;
};

}  // namespace

std::optional<std::uint64_t> register_value(const Vcpu& vcpu, std::string_view name) {
    const std::string n = lowercase(name);
    if (const int r = general_register(n); r >= 0)
        return n[0] == 'w' ? vcpu.x(static_cast<unsigned>(r)) & 0xffff'ffff : vcpu.x(static_cast<unsigned>(r));
    if (n == "sp") return vcpu.regs().sp();
    if (n == "pc") return vcpu.pc();
    if (n == "lr") return vcpu.x(30);
    if (n == "fp") return vcpu.x(29);
    if (n == "xzr" || n == "wzr") return 0;
    if (n == "pstate" || n == "cpsr") return vcpu.pstate();
    if (n == "sp_el0") return vcpu.sp_el0();
    if (n == "sp_el1") return vcpu.sp_el1();
    for (const SysregInfo& r : sysreg_table())
        if (lowercase(r.name) == n) return peek_sysreg(vcpu, r.id);
    return std::nullopt;
}

std::uint64_t evaluate(const Vcpu& vcpu, std::string_view text) {
    const std::size_t start = text.find_first_not_of(" \t");
    const std::size_t end = text.find_last_not_of(" \t");
    return Parser(vcpu, start == std::string_view::npos ? std::string_view() : text.substr(start, end - start + 1)).parse();
}

}  // namespace trapeze
