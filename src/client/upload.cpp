#include "upload.hpp"

#include <vial/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

#include <sys/stat.h>

#include <cstring>

#include "transfer.hpp"

namespace vial::detail {

namespace asio = boost::asio;

namespace {

// Asks the producer for its next chunk, on the request's loop; the upload stays paused
// until it arrives.
void produce(const std::shared_ptr<UploadSource>& source) {
    source->producing = true;
    Transfer* t = source->transfer;
    asio::co_spawn(
        t->resume_on, [source]() -> Task<std::string> { co_return co_await source->producer(); },
        asio::bind_cancellation_slot(
            source->stop.slot(), [source](std::exception_ptr error, std::string chunk) {
                source->producing = false;
                if (!source->transfer) return;  // the transfer ended meanwhile
                if (error) {
                    source->error = error;  // the read callback aborts the transfer
                } else if (chunk.empty()) {
                    source->finished = true;
                } else {
                    source->chunk = std::move(chunk);
                    source->offset = 0;
                }
                source->transfer->upload_paused = false;
                source->transfer->last_write = Transfer::Clock::now();
                update_pause(*source->transfer);
            }));
}

// curl's read callback, on the loop: the next bytes of the body into `buffer`.
std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    UploadSource& source = *t->upload;
    std::size_t room = size * count;
    if (source.error) return CURL_READFUNC_ABORT;
    if (source.file) {
        std::size_t n = std::fread(buffer, 1, room, source.file);
        if (n == 0 && std::ferror(source.file)) {
            source.error = std::make_exception_ptr(
                Error("reading the body file failed: " + std::string(std::strerror(errno))));
            return CURL_READFUNC_ABORT;
        }
        if (n == 0) t->upload_done = true;
        return n;
    }
    if (source.offset < source.chunk.size()) {
        std::size_t n = std::min(room, source.chunk.size() - source.offset);
        std::memcpy(buffer, source.chunk.data() + source.offset, n);
        source.offset += n;
        return n;
    }
    if (source.finished) {
        if (!t->upload_done) t->last_read = Transfer::Clock::now();  // the answer's wait starts
        t->upload_done = true;
        return 0;
    }
    if (!source.producing) produce(t->upload);
    t->upload_paused = true;
    return CURL_READFUNC_PAUSE;
}

std::uint64_t readable_file_size(const std::string& path, const char* what) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
        ::access(path.c_str(), R_OK) != 0)
        throw Error(std::string("cannot read the ") + what + " '" + path +
                    "': " + std::strerror(errno ? errno : EINVAL));
    return static_cast<std::uint64_t>(info.st_size);
}

}  // namespace

UploadSource::~UploadSource() {
    if (file) std::fclose(file);
}

void attach_upload(Transfer& t, const RequestOptions& options) {
    auto source = std::make_shared<UploadSource>();
    curl_off_t size = -1;  // unknown: chunked
    if (!options.body_file.empty()) {
        size = static_cast<curl_off_t>(readable_file_size(options.body_file, "body_file"));
        source->file = std::fopen(options.body_file.c_str(), "rb");
        if (!source->file)
            throw Error("cannot open the body_file '" + options.body_file +
                        "': " + std::strerror(errno));
    } else {
        source->producer = options.body_stream;
        if (options.content_length) size = static_cast<curl_off_t>(*options.content_length);
    }
    source->transfer = &t;
    t.upload = std::move(source);
    t.upload_streamed = true;
    CURL* e = t.easy;
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, size);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, &t);
    if (t.method != "PUT") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.method.c_str());
}

void attach_multipart(Transfer& t, const RequestOptions& options) {
    t.mime = curl_mime_init(t.easy);
    for (const MultipartField& field : options.multipart) {
        curl_mimepart* part = curl_mime_addpart(t.mime);
        curl_mime_name(part, field.name.c_str());
        if (!field.file_path.empty()) {
            readable_file_size(field.file_path, "multipart file");
            curl_mime_filedata(part, field.file_path.c_str());
            if (!field.filename.empty()) curl_mime_filename(part, field.filename.c_str());
        } else {
            curl_mime_data(part, field.value.data(), field.value.size());
            if (!field.filename.empty()) curl_mime_filename(part, field.filename.c_str());
        }
        if (!field.content_type.empty()) curl_mime_type(part, field.content_type.c_str());
    }
    curl_easy_setopt(t.easy, CURLOPT_MIMEPOST, t.mime);
    if (t.method != "POST") curl_easy_setopt(t.easy, CURLOPT_CUSTOMREQUEST, t.method.c_str());
}

void update_pause(Transfer& t) {
    int paused = (t.stream && t.stream->paused ? CURLPAUSE_RECV : 0) |
                 (t.upload_paused ? CURLPAUSE_SEND : 0);
    curl_easy_pause(t.easy, paused);
}

}  // namespace vial::detail
