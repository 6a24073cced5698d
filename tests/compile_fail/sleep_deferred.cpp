// Must NOT compile: a Sleep started through a lazy token would start after the Sleep (a
// temporary) is gone; only `co_await vial::sleep(d)` starts one.
#include <vial/task.hpp>

#include <boost/asio/deferred.hpp>

int main() {
    auto later = vial::sleep(std::chrono::seconds(1))(boost::asio::deferred);
    (void)later;
}
