// Live capture: each worker opens its own libpcap handle on the interface and, with more than
// one worker, all handles join one PACKET_FANOUT (hash) group, so the kernel splits traffic by
// flow and no packet ever crosses threads. Time for flow and fragment timeouts is wall time.
//
//   worker i: poll(handle i) -> pcap_dispatch -> decode -> defragment -> Worker::processPacket

#include <chrono>
#include <iostream>
#include <poll.h>
#include <thread>
#include <unistd.h>

#include "app/control_signals.h"
#include "app/pipeline.h"
#include "app/pipeline_setup.h"
#include "app/privilege_drop.h"
#include "capture/packet_decoder.h"
#include "capture/pcap_handle.h"
#include "core/flow_key.h"
#include "core/wall_clock.h"

namespace egressmon::app {

namespace {

// Everything one live worker thread owns.
struct LiveLane {
    capture::PcapHandle handle;
    capture::PacketDecoder decoder{0};
    capture::IpDefragmenter defrag;
    Worker* worker = nullptr;
    uint64_t hash_seed = 0;
    uint64_t frames = 0;
    uint64_t frame_bytes = 0;
    capture::DecodeCounters decode;
    uint64_t kernel_drops = 0;
    std::string error;       // set when the handle failed (interface gone, socket error)
    std::string source_name; // "IFACE/N" in the metrics
    PublishedSnapshot<CaptureStats>* published = nullptr;
    std::chrono::steady_clock::time_point last_published{};

    explicit LiveLane(const capture::DefragConfig& dc) : defrag(dc) {}
};

void onFrame(u_char* user, const pcap_pkthdr* hdr, const u_char* data) {
    auto& lane = *reinterpret_cast<LiveLane*>(user);
    const uint64_t ts = uint64_t(hdr->ts.tv_sec) * 1'000'000 + uint64_t(hdr->ts.tv_usec);
    ++lane.frames;
    lane.frame_bytes += hdr->len;
    core::Packet packet;
    capture::FragmentInfo frag;
    capture::DecodeError error = capture::DecodeError::kNone;
    auto result = lane.decoder.decode(data, hdr->caplen, hdr->len, ts, packet, frag, error);
    if (result == capture::DecodeResult::kFragment) {
        const auto whole = lane.defrag.add(frag, data, ts);
        if (whole.empty()) return;
        result = capture::PacketDecoder::decodeReassembled(
            whole.data(), static_cast<uint32_t>(whole.size()), ts, frag.vlan_id, frag.tunneled,
            packet, error);
    }
    if (result != capture::DecodeResult::kPacket) {
        lane.decode.count(error);
        return;
    }
    const uint64_t hash = core::hashFlowKey(core::FlowKey::fromPacket(packet), lane.hash_seed);
    lane.worker->processPacket(packet, hash);
}

// One dispatch call; false when the handle failed, with the reason kept for the report.
bool dispatchOnce(LiveLane& lane, int* processed = nullptr) {
    const int rc =
        pcap_dispatch(lane.handle.get(), 4096, onFrame, reinterpret_cast<u_char*>(&lane));
    if (processed) *processed = rc;
    if (rc >= 0 || rc == PCAP_ERROR_BREAK) return true;
    lane.error = pcap_geterr(lane.handle.get());
    return false;
}

// pcap_stats on Linux sums the socket's counters into the handle, so it is called only here,
// on the lane's own thread: about once a second and at the end.
void updateKernelDrops(LiveLane& lane) {
    pcap_stat ps{};
    if (pcap_stats(lane.handle.get(), &ps) == 0)
        lane.kernel_drops = uint64_t{ps.ps_drop} + ps.ps_ifdrop;
}

void publishLaneStats(LiveLane& lane, bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - lane.last_published < std::chrono::seconds(1)) return;
    lane.last_published = now;
    updateKernelDrops(lane);
    CaptureStats stats;
    stats.sources.push_back({lane.source_name, lane.frames, lane.frame_bytes, lane.kernel_drops});
    stats.decode = lane.decode;
    stats.defrag = lane.defrag.counters();
    try {
        lane.published->publish(stats);
    } catch (const std::exception&) {
    }
    lane.worker->publishStatsIfDue(force);
}

void liveWorkerLoop(LiveLane& lane) {
    pollfd pfd{pcap_get_selectable_fd(lane.handle.get()), POLLIN, 0};
    while (!stopRequested().load(std::memory_order_relaxed)) {
        // poll bounds how long shutdown and timeouts wait when the link is quiet.
        poll(&pfd, 1, 100);
        if (!dispatchOnce(lane)) {
            // The interface went away or the socket broke: stop the whole sensor rather than
            // spin on an error while claiming to monitor.
            stopRequested().store(true);
            break;
        }
        const auto now = static_cast<uint64_t>(core::wallClockUs());
        lane.worker->advanceClock(now);
        lane.worker->refreshRules();
        lane.defrag.expire(now);
        publishLaneStats(lane, false);
    }
    // Take what the kernel already queued, but never more than ~1 s of work: under a flood
    // "drain until empty" would never end, and a stop must stop.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    int processed = 0;
    while (lane.error.empty() && std::chrono::steady_clock::now() < deadline &&
           dispatchOnce(lane, &processed) && processed > 0) {
    }
    lane.worker->flushAllFlows();
    publishLaneStats(lane, true);
}

} // namespace

RunSummary runLivePipeline(const Options& o) {
    const RunAs run_as = resolveRunAs(o);
    capture::LiveCaptureOptions lo;
    lo.interface = o.interface;
    lo.bpf_filter = o.bpf_filter;
    lo.snaplen = o.snaplen;
    lo.buffer_bytes = o.buffer_mib << 20;
    lo.immediate = o.immediate;
    // Group ids are per network namespace; derive one from the pid so two sensors on one host
    // do not join each other's group.
    lo.fanout_group = o.workers > 1 ? static_cast<uint16_t>((getpid() & 0x7fff) | 1) : 0;
    // The capture sockets first, before any thread exists: capabilities are per thread, and
    // these sockets are all that needs CAP_NET_RAW.
    std::vector<capture::PcapHandle> handles;
    for (unsigned i = 0; i < o.workers; ++i)
        handles.push_back(capture::openLiveCapture(lo));
    std::vector<core::UniqueFd> icap_listeners = IcapService::openListeners(o);
    dropCapabilitiesBeforeThreads();

    PipelineParts parts = buildPipelineParts(o, /*lossless=*/false, /*capture_threads=*/o.workers,
                                             std::move(icap_listeners));
    std::vector<std::unique_ptr<LiveLane>> lanes;
    for (unsigned i = 0; i < o.workers; ++i) {
        auto lane = std::make_unique<LiveLane>(o.defrag);
        lane->handle = std::move(handles[i]);
        lane->decoder = capture::PacketDecoder(pcap_datalink(lane->handle.get()));
        lane->worker = parts.workers[i].get();
        lane->hash_seed = parts.hash_seed;
        lane->source_name = o.interface + "/" + std::to_string(i);
        lane->published = parts.capture_stats[i].get();
        lanes.push_back(std::move(lane));
    }
    // Outputs, the spool and the metrics socket are open too: the rest runs unprivileged.
    dropPrivileges(run_as, directoriesKeptWritable(o));

    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (auto& lane : lanes)
        threads.emplace_back(liveWorkerLoop, std::ref(*lane));
    if (parts.icap) parts.icap->start();
    acceptControlSignals(); // the capture threads never take SIGINT/SIGTERM/SIGHUP: this one does
    for (auto& t : threads)
        t.join();

    RunSummary summary;
    summary.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (auto& lane : lanes) {
        summary.frames_read += lane->frames;
        summary.frames_bytes += lane->frame_bytes;
        summary.decode += lane->decode;
        summary.defrag += lane->defrag.counters();
        if (!lane->error.empty()) {
            summary.capture_failed = true;
            std::cerr << "egressmon: error: capture on '"
                      << o.interface << "' failed: " << lane->error << "\n";
        }
        summary.capture_drops += lane->kernel_drops; // updated by the lane when it ended
    }
    closeParts(parts, summary);
    return summary;
}

} // namespace egressmon::app
