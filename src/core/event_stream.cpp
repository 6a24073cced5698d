#include <vial/cancel.hpp>
#include <vial/error.hpp>
#include <vial/event_stream.hpp>

#include <boost/json/serialize.hpp>

#include <memory>

#include "json_text.hpp"

namespace vial {

namespace {

void check_single_line(std::string_view field, std::string_view value) {
    if (value.find_first_of("\r\n") != std::string_view::npos) {
        throw Error("server-sent event field '" + std::string(field) +
                    "' holds a line break, which would start a new field: '" +
                    std::string(value.substr(0, 64)) + "'");
    }
}

// Every line of `data` becomes its own data: field (CRLF, CR and LF all end a line).
void append_data(std::string& out, std::string_view data) {
    std::size_t start = 0;
    for (;;) {
        std::size_t end = data.find_first_of("\r\n", start);
        out += "data: ";
        out += data.substr(start, end - start);
        out += '\n';
        if (end == std::string_view::npos) break;
        start = end + (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n' ? 2 : 1);
    }
}

// A comment after each quiet period: a tick that saw no bytes written since the previous
// one sends it, so a busy stream carries no heartbeats at all.
Task<void> heartbeat(ResponseStream& out, std::chrono::milliseconds every) {
    std::size_t seen = out.bytes_written();
    for (;;) {
        co_await sleep(every);
        if (out.bytes_written() == seen) co_await out.write(":\n\n");
        seen = out.bytes_written();
    }
}

Task<void> run_events(std::shared_ptr<const EventProducer> producer, std::string last_event_id,
                      std::chrono::milliseconds every, ResponseStream& out) {
    EventStream events(out, std::move(last_event_id));
    if (every.count() <= 0) {
        co_await (*producer)(events);
        co_return;
    }
    Task<void> produce = (*producer)(events);
    Task<void> beat = heartbeat(out, every);
    co_await first_of(std::move(produce), std::move(beat));
}

}  // namespace

std::string format_event(const ServerSentEvent& event) {
    check_single_line("event", event.event);
    check_single_line("id", event.id);
    std::string out;
    out.reserve(event.data.size() + event.event.size() + event.id.size() + 32);
    if (!event.event.empty()) out.append("event: ").append(event.event).append("\n");
    if (!event.id.empty()) out.append("id: ").append(event.id).append("\n");
    if (event.retry)
        out.append("retry: ").append(std::to_string(event.retry->count())).append("\n");
    append_data(out, event.data);
    out += '\n';
    return out;
}

Task<void> EventStream::send(const ServerSentEvent& event) {
    std::string text = format_event(event);
    co_await out_.write(text);
}

Task<void> EventStream::send(std::string_view data, std::string_view event, std::string_view id) {
    ServerSentEvent message{
        .data = std::string(data), .event = std::string(event), .id = std::string(id)};
    co_await send(message);
}

Task<void> EventStream::send_json(const Json& data, std::string_view event) {
    ServerSentEvent message{.data = detail::json_text(data), .event = std::string(event)};
    co_await send(message);
}

Task<void> EventStream::comment(std::string_view text) {
    std::string line = ":";
    if (!text.empty()) {
        check_single_line("comment", text);
        line.append(" ").append(text);
    }
    line += "\n\n";
    co_await out_.write(line);
}

Response event_stream(const Request& request, EventProducer producer, EventStreamOptions options) {
    if (!producer) throw Error("vial::event_stream needs a producer (got an empty function)");
    auto shared = std::make_shared<const EventProducer>(std::move(producer));
    std::string last_event_id(request.headers().get_or("Last-Event-ID", ""));
    auto every = options.heartbeat;
    Response response =
        stream([shared, last_event_id, every](
                   ResponseStream& out) { return run_events(shared, last_event_id, every, out); },
               {.content_type = "text/event-stream; charset=utf-8", .status = options.status});
    response.headers().set("Cache-Control", "no-cache");
    // nginx buffers proxied responses unless told not to; events must leave at once.
    response.headers().set("X-Accel-Buffering", "no");
    return response;
}

}  // namespace vial
