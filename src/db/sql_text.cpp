#include "sql_text.hpp"

#include <cctype>
#include <string_view>

namespace vial::detail {

namespace {

// The end of a literal or quoted name opened by `quote` at `at` (past its closing quote).
std::size_t skip_quoted(const std::string& sql, std::size_t at, char quote, bool backslashes) {
    for (std::size_t i = at + 1; i < sql.size(); ++i) {
        if (backslashes && sql[i] == '\\') {
            ++i;
        } else if (sql[i] == quote) {
            if (i + 1 < sql.size() && sql[i + 1] == quote) {
                ++i;  // '' inside a literal
            } else {
                return i + 1;
            }
        }
    }
    return sql.size();
}

// $tag$ ... $tag$ starting at `at`, or npos if `at` opens no dollar quote.
std::size_t skip_dollar_quoted(const std::string& sql, std::size_t at) {
    std::size_t end = at + 1;
    while (end < sql.size() &&
           (std::isalnum(static_cast<unsigned char>(sql[end])) || sql[end] == '_'))
        ++end;
    if (end >= sql.size() || sql[end] != '$') return std::string::npos;
    if (end > at + 1 && std::isdigit(static_cast<unsigned char>(sql[at + 1])))
        return std::string::npos;  // $1 is a parameter
    std::string tag = sql.substr(at, end - at + 1);
    std::size_t close = sql.find(tag, end + 1);
    return close == std::string::npos ? sql.size() : close + tag.size();
}

}  // namespace

std::size_t sql_token_end(const std::string& sql, std::size_t i) {
    char c = sql[i];
    if (c == '\'') {
        // E'...' (backslash escapes): the E a token of its own, not the end of a word.
        auto word_char = [&](std::size_t at) {
            return std::isalnum(static_cast<unsigned char>(sql[at])) || sql[at] == '_';
        };
        bool escapes =
            i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i == 1 || !word_char(i - 2));
        return skip_quoted(sql, i, '\'', escapes);
    }
    if (c == '"') return skip_quoted(sql, i, '"', false);
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
        std::size_t end = sql.find('\n', i);
        return end == std::string::npos ? sql.size() : end;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
        std::size_t end = sql.find("*/", i + 2);
        return end == std::string::npos ? sql.size() : end + 2;
    }
    if (c == '$') {
        std::size_t quoted = skip_dollar_quoted(sql, i);
        if (quoted != std::string::npos) return quoted;
    }
    return i + 1;
}

namespace {

bool word_is(const std::string& text, std::size_t at, std::size_t end, std::string_view word) {
    if (end - at != word.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k) {
        if (std::toupper(static_cast<unsigned char>(text[at + k])) != word[k]) return false;
    }
    return true;
}

}  // namespace

std::vector<std::string> split_statements(const std::string& script) {
    std::vector<std::string> statements;
    std::string current;
    bool has_code = false;  // more than spaces and comments
    // A trigger's body (SQLite's CREATE TRIGGER ... BEGIN ...; END, PostgreSQL's BEGIN
    // ATOMIC ... END) holds `;`s of its own: inside BEGIN ... END nothing is cut.
    bool trigger = false;
    int depth = 0;
    auto close = [&] {
        std::size_t first = current.find_first_not_of(" \t\r\n");
        std::size_t last = current.find_last_not_of(" \t\r\n");
        if (has_code) statements.push_back(current.substr(first, last - first + 1));
        current.clear();
        has_code = false;
        trigger = false;
        depth = 0;
    };
    for (std::size_t i = 0; i < script.size();) {
        if (script[i] == ';' && depth == 0) {
            close();
            ++i;
            continue;
        }
        if (std::isalpha(static_cast<unsigned char>(script[i])) &&
            (i == 0 ||
             !(std::isalnum(static_cast<unsigned char>(script[i - 1])) || script[i - 1] == '_'))) {
            std::size_t end = i;
            while (end < script.size() &&
                   (std::isalnum(static_cast<unsigned char>(script[end])) || script[end] == '_'))
                ++end;
            if (word_is(script, i, end, "TRIGGER")) trigger = true;
            if (word_is(script, i, end, "ATOMIC") ||
                (trigger && word_is(script, i, end, "BEGIN"))) {
                ++depth;
            } else if (depth > 0 && word_is(script, i, end, "CASE")) {
                ++depth;  // CASE ... END inside a body
            } else if (depth > 0 && word_is(script, i, end, "END")) {
                --depth;
            }
            has_code = true;
            current.append(script, i, end - i);
            i = end;
            continue;
        }
        std::size_t end = sql_token_end(script, i);
        bool comment = script.compare(i, 2, "--") == 0 || script.compare(i, 2, "/*") == 0;
        if (!comment && !std::isspace(static_cast<unsigned char>(script[i]))) has_code = true;
        current.append(script, i, end - i);
        i = end;
    }
    close();
    return statements;
}

namespace {

// The words outside literals, quoted names and comments, lower-cased, one space apart,
// with a space before the first and after the last.
std::string words_of(const std::string& sql) {
    std::string words = " ";
    for (std::size_t i = 0; i < sql.size();) {
        std::size_t end = sql_token_end(sql, i);
        if (end > i + 1) {  // a literal, a quoted name or a comment: a word break
            words += ' ';
        } else {
            auto c = static_cast<unsigned char>(sql[i]);
            if (std::isalnum(c) || c == '_') {
                words += static_cast<char>(std::tolower(c));
            } else if (words.back() != ' ') {
                words += ' ';
            }
        }
        i = end;
    }
    if (words.back() != ' ') words += ' ';
    return words;
}

bool starts_with_word(const std::string& words, std::string_view word) {
    std::size_t first = words.find_first_not_of(' ');
    return first != std::string::npos && words.compare(first, word.size(), word) == 0 &&
           words[first + word.size()] == ' ';
}

}  // namespace

bool reads_only(const std::string& sql) {
    std::string words = words_of(sql);
    if (!starts_with_word(words, "select")) return false;
    for (std::string_view writes :
         {" for update ", " for no key update ", " for share ", " for key share ", " into "}) {
        if (words.find(writes) != std::string::npos) return false;
    }
    return true;
}

bool shape_is_fixed(const std::string& sql) {
    std::string words = words_of(sql);
    for (std::string_view fixed :
         {"select", "with", "values", "table", "insert", "update", "delete"}) {
        if (starts_with_word(words, fixed)) return true;
    }
    return false;
}

}  // namespace vial::detail
