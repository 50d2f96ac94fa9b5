#pragma once
// Where protocol decoders put the bytes they decode. A decoder opens a layer instance (one
// request body, one multipart part, one decoded query string), feeds it in pieces, and ends it.
// Several instances may be open at once (a body and the part inside it). The inspector gives each
// instance its own Hyperscan stream, so matches never span two instances and offsets are
// relative to the instance's start.
//
// Thread: the worker that owns the flow. Everything is noexcept.

#include <cstdint>

#include "dpi/transform/layer_info.h"

namespace egressmon::dpi {

class DecodedLayerSink {
  public:
    virtual ~DecodedLayerSink() = default;
    // `info.type` is the alert's layer, e.g. "http.request.body.gzip", a string literal (not
    // copied); `parent` the layer it was decoded from (kNoLayer: from the stream itself). The
    // info's views are valid only during the call. Returns kNoLayer when the sink cannot take
    // another layer. The decoder still hands that layer's bytes to layerData with kNoLayer, so the
    // sink can count what it did not scan (decoded content is never dropped silently); gap and end
    // are no-ops for it.
    virtual LayerId beginLayer(const LayerInfo& info, LayerId parent) noexcept = 0;
    virtual void layerData(LayerId id, const uint8_t* data, uint32_t len) noexcept = 0;
    // `missing` bytes of the layer were lost (a hole in the stream under it): the layer goes on
    // after them, and nothing may match across the hole. Offsets count the missing bytes.
    virtual void layerGap(LayerId id, uint64_t missing) noexcept = 0;
    virtual void endLayer(LayerId id) noexcept = 0;
    // About the file layer `id` carries (LayerInfo::file): told while it is open, before its
    // end. A sink that keeps no file state ignores it.
    virtual void noteFile(LayerId /*id*/, const FileNote& /*note*/) noexcept {}
};

// A protocol decoder of one direction's reassembled stream (HTTP, SMTP): fed the stream's bytes
// in order, it writes what it decodes into a DecodedLayerSink.
// Which decoder a StreamDecoder is: the session pairs directions by it (an HTTP response decoder
// needs the requests' companion; an SMTP client decoder the replies').
enum class DecoderKind : uint8_t { Http, SmtpClient, SmtpReplies };

class StreamDecoder {
  public:
    virtual ~StreamDecoder() = default;
    virtual DecoderKind kind() const noexcept = 0;
    virtual void onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept = 0;
    // `missing` (> 0) bytes of the stream were lost. The decoder resynchronises where its
    // framing allows (a known body length, the next message or MIME boundary), else it stops.
    virtual void onGap(uint64_t missing, DecodedLayerSink& sink) noexcept = 0;
    // End of the direction: what the connection's close delimits ends; open layers end.
    virtual void onEnd(DecodedLayerSink& sink) noexcept = 0;
    // Decoding gave up (not the protocol after all, a bound, a gap): onData does nothing more.
    virtual bool stopped() const noexcept = 0;
    // Every byte so far belongs to messages that are complete (HTTP: between a message and the
    // next). The session then closes its raw stream instead of holding it until the next
    // message: nothing worth matching spans two messages.
    virtual bool betweenMessages() const noexcept { return false; }
};

} // namespace egressmon::dpi
