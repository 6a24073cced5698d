// The loop's pool of read-buffer blocks: what a connection gives back while it has
// nothing buffered is what the next one takes, and the pool keeps only a bounded number
// of spares (a burst of connections does not pin its peak).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "http/read_buffer.hpp"

namespace {

using vial::detail::BlockAllocator;
using vial::detail::BlockPool;
using vial::detail::ReadBuffer;

TEST(BlockPool, AGivenBlockIsTheNextOneTaken) {
    BlockPool pool(4);
    char* a = pool.take();
    char* b = pool.take();
    EXPECT_NE(a, b);
    pool.give(a);
    EXPECT_EQ(pool.spares(), 1u);
    EXPECT_EQ(pool.take(), a);
    EXPECT_EQ(pool.spares(), 0u);
    pool.give(a);
    pool.give(b);
}

TEST(BlockPool, KeepsAtMostItsBoundOfSpares) {
    BlockPool pool(3);
    std::vector<char*> blocks;
    for (int i = 0; i < 10; ++i) blocks.push_back(pool.take());
    for (char* block : blocks) pool.give(block);
    EXPECT_EQ(pool.spares(), 3u);
}

TEST(ReadBuffer, AnEmptyBufferGivesItsBlockBackAndTakesOneForTheNextRead) {
    BlockPool pool(4);
    ReadBuffer buffer(64 * 1024, BlockAllocator{&pool});
    auto room = buffer.prepare(BlockPool::kBlockSize);
    EXPECT_EQ(room.size(), BlockPool::kBlockSize);
    buffer.commit(10);
    buffer.consume(10);
    buffer.shrink_to_fit();
    EXPECT_EQ(buffer.capacity(), 0u);
    EXPECT_EQ(pool.spares(), 1u);
    buffer.prepare(BlockPool::kBlockSize);
    EXPECT_EQ(pool.spares(), 0u);
}

// A request's first bytes (copied in from the idle read) and the rest of it share one
// block: reading on takes what is left of it, without a reallocation.
TEST(ReadBuffer, ReadingOnAfterTheFirstBytesKeepsTheBlock) {
    BlockPool pool(4);
    ReadBuffer buffer(64 * 1024, BlockAllocator{&pool});
    buffer.prepare(BlockPool::kBlockSize);
    buffer.commit(600);
    char* block = static_cast<char*>(buffer.data().data());
    std::size_t room = vial::detail::read_room(buffer);
    EXPECT_EQ(room, BlockPool::kBlockSize - 600);
    buffer.prepare(room);
    EXPECT_EQ(buffer.capacity(), BlockPool::kBlockSize);
    EXPECT_EQ(static_cast<char*>(buffer.data().data()), block);
    // Part consumed by the parser: the rest moves to the block's start, still no growth.
    buffer.consume(500);
    buffer.prepare(vial::detail::read_room(buffer));
    EXPECT_EQ(buffer.capacity(), BlockPool::kBlockSize);
    EXPECT_EQ(vial::detail::read_room(buffer), BlockPool::kBlockSize - 100);
}

TEST(ReadBuffer, GrowingPastOneBlockKeepsTheBytes) {
    BlockPool pool(4);
    ReadBuffer buffer(64 * 1024, BlockAllocator{&pool});
    std::string text(BlockPool::kBlockSize, 'x');
    auto first = buffer.prepare(text.size());
    std::memcpy(first.data(), text.data(), text.size());
    buffer.commit(text.size());
    auto second = buffer.prepare(100);
    std::memcpy(second.data(), "tail", 4);
    buffer.commit(4);
    std::string held(static_cast<const char*>(buffer.data().data()), buffer.size());
    EXPECT_EQ(held, text + "tail");
    EXPECT_EQ(pool.spares(), 1u);  // the first block came back when the buffer grew
}

}  // namespace
