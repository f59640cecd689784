// Strict UTF-8 validation (RFC 3629): rejects overlong forms, surrogates, code points above U+10FFFF
// and truncated sequences. Every text field on the wire must pass it. Pure function, any thread.
#pragma once
#include <string_view>

namespace elfdesk::protocol {

bool is_valid_utf8(std::string_view text);

}  // namespace elfdesk::protocol
