#pragma once
// Validation of the names the contract defines (namespace, user, device, room).
#include <string_view>

namespace herald {

// [a-z0-9_-]{1,64}
bool valid_namespace_name(std::string_view s);
// 1..128 bytes of UTF-8 without control characters: users, devices, rooms.
bool valid_id(std::string_view s);

}  // namespace herald
