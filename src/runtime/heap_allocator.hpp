#pragma once
// An allocator that takes each block from the heap at its own size.
//
// Asio allocates an operation's state through its handler's allocator; for the default
// (std::allocator) it keeps a few freed blocks per thread and hands a cached block to any
// smaller operation. A large operation's block (an accept's is ~350 bytes) then serves a
// small wait that may last minutes (a sleeping view's timer, an idle socket's read):
// each waiting request held a block twice its operation's size. Binding this allocator to
// an operation keeps its block out of that cache.
#include <cstddef>
#include <new>

namespace vial::detail {

template <class T>
struct HeapAllocator {
    using value_type = T;

    HeapAllocator() noexcept = default;
    template <class U>
    HeapAllocator(const HeapAllocator<U>&) noexcept {}  // NOLINT: allocator rebinding

    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }

    template <class U>
    bool operator==(const HeapAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace vial::detail
