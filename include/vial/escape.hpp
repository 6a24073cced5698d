#pragma once
/// vial::escape: HTML-escape text before putting it in an HTML response (markupsafe's
/// `escape`). Views return text/html by default, so user input must pass through this.
#include <string>
#include <string_view>

namespace vial {

/// Replaces & < > " ' with their HTML entities, and NUL and every byte that is not
/// well-formed UTF-8 with U+FFFD, so neither reaches an HTML page raw.
std::string escape(std::string_view text);

}  // namespace vial
