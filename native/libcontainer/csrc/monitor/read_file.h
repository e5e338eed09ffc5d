#pragma once
// Whole small files (specs, /proc entries) read with plain syscalls: the monitor uses no C++
// streams, whose static library part would double its size (it is copied on every start).
#include <string>
#include <vector>

namespace berth {
// False when the file cannot be opened or read.
bool ReadFile(const std::string& path, std::string& out);
// `text` cut at each `sep`, empty pieces kept.
std::vector<std::string> SplitText(const std::string& text, char sep);
}  // namespace berth
