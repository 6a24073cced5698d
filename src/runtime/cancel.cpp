#include <vial/cancel.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

namespace vial {

TimeoutError::TimeoutError(std::chrono::steady_clock::duration after)
    : Error("timed out after " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(after).count()) +
            " ms") {}

bool is_cancellation(const std::exception_ptr& error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const Cancelled&) {
        return true;
    } catch (const boost::system::system_error& e) {
        return e.code() == boost::asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

}  // namespace vial
