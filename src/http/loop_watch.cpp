#include "loop_watch.hpp"

#include <algorithm>
#include <utility>

namespace vial::detail {

namespace {

std::int64_t to_ms(std::int64_t ns) {
    return std::max<std::int64_t>(0, ns / 1'000'000);
}

}  // namespace

LoopVerdict LoopWatch::check(std::int64_t now, std::int64_t beat, std::uint64_t resumes,
                             const std::function<std::string()>& describe) {
    bool moved = resumes != resumes_;
    if (moved) {
        resumes_ = resumes;
        moved_at_ = checked_at_ != 0 ? checked_at_ : now;
    }
    checked_at_ = now;
    const bool late = beat != 0 && now - beat > threshold_;

    if (stuck_) {
        if (beat == stuck_beat_ && !moved) return {};
        // It turned again: stuck from its last beat or resumption, whichever came later,
        // until about now (one check late at most).
        LoopVerdict verdict{LoopVerdict::Kind::blocked, to_ms(now - stuck_since_),
                            std::move(where_)};
        stuck_ = false;
        if (late) {
            // Still behind: what follows is measured on its own, not with the block.
            start_busy(now, now, resumes, describe);
        }
        return verdict;
    }
    if (late && now - moved_at_ > threshold_) {
        // Stuck: note what it runs now, while it still runs it.
        stuck_ = true;
        busy_ = false;
        stuck_beat_ = beat;
        stuck_since_ = std::max(beat, moved_at_);
        where_ = describe();
        return {};
    }
    if (late) {
        if (!busy_) start_busy(beat, now, resumes, describe);
        busy_last_checked_ = now;
        busy_last_resumes_ = resumes;
        return {};
    }
    if (busy_) return end_busy(now, beat);
    return {};
}

void LoopWatch::start_busy(std::int64_t since, std::int64_t now, std::uint64_t resumes,
                           const std::function<std::string()>& describe) {
    busy_ = true;
    busy_since_ = since;
    busy_checked_ = busy_last_checked_ = now;
    busy_resumes_ = busy_last_resumes_ = resumes;
    where_ = describe();
}

LoopVerdict LoopWatch::end_busy(std::int64_t now, std::int64_t beat) {
    busy_ = false;
    // Late from its last beat on time until the one that came back, less the ticker's
    // own period.
    std::int64_t ms = to_ms(beat - busy_since_ - interval_);
    // The pace of resumptions while it was late; over the late checks only when there
    // are several (the loop may resume a backlog quickly once it is back on time).
    std::uint64_t resumed = busy_last_resumes_ - busy_resumes_;
    std::int64_t window = busy_last_checked_ - busy_checked_;
    if (window < 2 * interval_) {
        resumed = resumes_ - busy_resumes_;
        window = now - busy_checked_;
    }
    // Handlers that each take longer than a check are blocking calls, if each one is
    // shorter than the threshold: the loop is theirs for the whole time.
    if (resumed == 0 || window / static_cast<std::int64_t>(resumed) > interval_)
        return {LoopVerdict::Kind::blocked, ms, std::move(where_)};
    where_.clear();
    return {LoopVerdict::Kind::saturated, ms, {}};
}

}  // namespace vial::detail
