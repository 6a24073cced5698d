#pragma once
// Request bodies that are not in memory: a file read as it is sent, or a producer
// coroutine asked for each next chunk (curl's read callback pauses the upload until the
// chunk is there). Multipart bodies are curl's mime parts.
#include <vial/http_client.hpp>

#include <curl/curl.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

namespace vial::detail {

struct Transfer;

struct UploadSource {
    ~UploadSource();

    std::FILE* file = nullptr;
    BodyProducer producer;
    std::string chunk;  // the producer's latest, sent from `offset`
    std::size_t offset = 0;
    bool finished = false;
    bool producing = false;
    std::exception_ptr error;      // the producer's, or the file's
    Transfer* transfer = nullptr;  // null once the transfer has ended
    // Ends a producer still running when its transfer ends.
    boost::asio::cancellation_signal stop;
};

/// Sets `t` up to send `options`' file or producer body (curl's upload mode: chunked when
/// the size is unknown). Throws vial::Error for a file that cannot be read, before I/O.
void attach_upload(Transfer& t, const RequestOptions& options);
/// Builds `t`'s multipart body. Throws vial::Error for a file that cannot be read.
void attach_multipart(Transfer& t, const RequestOptions& options);
/// Applies the pause state both directions of `t` want (the streamed response's reader
/// and the upload's producer may each hold curl back).
void update_pause(Transfer& t);

}  // namespace vial::detail
