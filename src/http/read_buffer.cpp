#include "read_buffer.hpp"

#include <new>

namespace vial::detail {

BlockPool::~BlockPool() {
    for (char* block : free_) ::operator delete(block);
}

char* BlockPool::take() {
    if (free_.empty()) return static_cast<char*>(::operator new(kBlockSize));
    char* block = free_.back();
    free_.pop_back();
    return block;
}

void BlockPool::give(char* block) noexcept {
    if (free_.size() < keep_) {
        free_.push_back(block);  // within the capacity reserved up front: no allocation
        return;
    }
    ::operator delete(block);
}

}  // namespace vial::detail
