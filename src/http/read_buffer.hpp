#pragma once
// ReadBuffer: a connection's read buffer, whose standard-size blocks come from its
// loop's BlockPool. The connection gives its block back whenever nothing is buffered
// (before a view runs, and while it waits idle for the next request), so a connection
// whose view is suspended, or which idles between requests, holds no read buffer: the
// memory of 10,000 waiting requests is their state, not 10,000 header-sized buffers.
#include <boost/beast/core/flat_buffer.hpp>

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace vial::detail {

/// Free blocks of one loop (used from its thread only). Keeps at most `keep` spares;
/// more are freed, so a burst does not pin its peak.
class BlockPool {
  public:
    static constexpr std::size_t kBlockSize = 16 * 1024;

    explicit BlockPool(std::size_t keep = 64) : keep_(keep) { free_.reserve(keep_); }
    ~BlockPool();
    BlockPool(const BlockPool&) = delete;
    BlockPool& operator=(const BlockPool&) = delete;

    char* take();
    void give(char* block) noexcept;
    std::size_t spares() const noexcept { return free_.size(); }

  private:
    std::vector<char*> free_;
    std::size_t keep_;
};

/// Blocks of exactly kBlockSize come from the pool; any other size (a header grown past
/// one block) from the heap.
struct BlockAllocator {
    using value_type = char;
    template <class U>
    struct rebind {
        static_assert(std::is_same_v<U, char>, "read buffers hold bytes");
        using other = BlockAllocator;
    };

    BlockPool* pool = nullptr;

    char* allocate(std::size_t n) {
        if (n == BlockPool::kBlockSize) return pool->take();
        return static_cast<char*>(::operator new(n));
    }
    void deallocate(char* p, std::size_t n) noexcept {
        if (n == BlockPool::kBlockSize) return pool->give(p);
        ::operator delete(p);
    }
    friend bool operator==(const BlockAllocator& a, const BlockAllocator& b) noexcept {
        return a.pool == b.pool;
    }
};

using ReadBuffer = boost::beast::basic_flat_buffer<BlockAllocator>;

/// How much the next read may take into `buffer`: what is left of its block while the
/// bytes fit one (Beast then moves unparsed bytes to the block's start instead of
/// reallocating), a block's worth beyond, never past the buffer's limit.
inline std::size_t read_room(const ReadBuffer& buffer) {
    std::size_t size = buffer.size();
    std::size_t room =
        size < BlockPool::kBlockSize ? BlockPool::kBlockSize - size : BlockPool::kBlockSize;
    return std::min(room, buffer.max_size() - size);
}

}  // namespace vial::detail
