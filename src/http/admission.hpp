#pragma once
// Admission: the ceilings one server shares across its loops, so hostile clients cannot
// grow the process without bound: a cap on open connections and a budget for the bytes
// it holds on their behalf (request bodies being received, responses not yet taken).
// Two relaxed atomics, touched once per accept and per charge/release, never per byte.
#include <atomic>
#include <cstddef>

namespace vial {
struct ConnectionLimits;
}

namespace vial::detail {

class Admission {
  public:
    explicit Admission(const ConnectionLimits& limits);

    std::size_t max_connections() const noexcept { return max_connections_; }
    std::size_t max_buffered_bytes() const noexcept { return max_buffered_; }

    /// Counts a new connection; false (not counted) when the cap is reached.
    bool admit_connection() noexcept;
    /// Counts one over the cap: the idlest connection was closed to make room for it.
    void force_admit_connection() noexcept { connections_.fetch_add(1, std::memory_order_relaxed); }
    void release_connection() noexcept { connections_.fetch_sub(1, std::memory_order_relaxed); }
    std::size_t connections() const noexcept {
        return connections_.load(std::memory_order_relaxed);
    }

    void charge(std::size_t bytes) noexcept {
        buffered_.fetch_add(bytes, std::memory_order_relaxed);
    }
    void release(std::size_t bytes) noexcept {
        buffered_.fetch_sub(bytes, std::memory_order_relaxed);
    }
    std::size_t buffered() const noexcept { return buffered_.load(std::memory_order_relaxed); }
    /// Past the budget: new requests get a fast 503, stalled writers are closed.
    bool over_budget() const noexcept { return buffered() > max_buffered_; }
    /// How far past the budget, 0 when within it.
    std::size_t excess() const noexcept {
        std::size_t now = buffered();
        return now > max_buffered_ ? now - max_buffered_ : 0;
    }

    /// The default connection cap: the soft open-files limit minus a reserve for the
    /// listeners, files, database and client sockets the app opens itself.
    static std::size_t default_max_connections() noexcept;

  private:
    std::size_t max_connections_;
    std::size_t max_buffered_;
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::size_t> buffered_{0};
};

}  // namespace vial::detail
