// Capture files: the main thread reads every file in order, decodes and defragments, and deals
// packets out to the workers in batches over SPSC rings. Waiting is allowed here (a full ring
// makes the reader wait: replaying a file has no packets to lose), never on a live interface.
// A capture read from a pipe (`-r -`, a FIFO: `tcpdump -w - | egressmon -r -`) is dealt out as
// it arrives: whenever the pipe has nothing more to read, the partly filled batches are sent.
//
//   main thread: pcap_next_ex -> PacketDecoder -> IpDefragmenter -> hash -> batch[worker]
//   worker i:    ring[i] -> Worker::processPacket -> free ring[i] back to the reader

#include <chrono>
#include <iostream>
#include <poll.h>
#include <sys/stat.h>
#include <thread>

#include "app/control_signals.h"
#include "app/pipeline.h"
#include "app/pipeline_setup.h"
#include "app/privilege_drop.h"
#include "capture/capture_clock.h"
#include "capture/packet_decoder.h"
#include "capture/pcap_handle.h"
#include "core/flow_key.h"
#include "core/packet_batch.h"
#include "core/spin_backoff.h"
#include "core/spsc_ring.h"

namespace egressmon::app {

namespace {

// 8 batches x 512 KiB arena = 4 MiB of packet buffers per worker, enough to keep a worker fed
// while the reader fills the next batch.
constexpr size_t kBatchesPerWorker = 8;

// The reader's side of one worker: its rings, the batch being filled, the batch pool.
struct WorkerLane {
    core::SpscRing<core::PacketBatch*> full{kBatchesPerWorker};
    core::SpscRing<core::PacketBatch*> empty{kBatchesPerWorker};
    std::vector<std::unique_ptr<core::PacketBatch>> pool;
    core::PacketBatch* filling = nullptr;
    uint64_t last_sent_time_us = 0; // reader time carried by the last batch sent
    std::atomic<bool> input_done{false};
};

core::PacketBatch* takeEmptyBatch(WorkerLane& lane) {
    unsigned spins = 0;
    for (;;) {
        if (auto b = lane.empty.tryPop()) return *b;
        core::spinBackoff(spins);
    }
}

void sendBatch(WorkerLane& lane, uint64_t reader_time_us) {
    core::PacketBatch* b = lane.filling;
    b->reader_time_us = reader_time_us;
    lane.last_sent_time_us = reader_time_us;
    unsigned spins = 0;
    while (!lane.full.tryPush(b))
        core::spinBackoff(spins);
    lane.filling = nullptr;
}

void workerLoop(Worker& worker, WorkerLane& lane) {
    unsigned spins = 0;
    for (;;) {
        if (auto got = lane.full.tryPop()) {
            core::PacketBatch* b = *got;
            for (uint32_t i = 0; i < b->size(); ++i)
                worker.processPacket(b->packet(i), b->flowHash(i));
            worker.advanceClock(b->reader_time_us);
            worker.refreshRules();
            worker.publishStatsIfDue();
            b->clear();
            lane.empty.tryPush(b); // cannot fail: the pool never exceeds the ring's capacity
            spins = 0;
            continue;
        }
        // Check the flag first, then the ring again: the reader pushes before it sets the flag.
        if (lane.input_done.load(std::memory_order_acquire) && lane.full.emptyApprox()) break;
        worker.publishStatsIfDue(); // idle (a paused pipe): keep the metrics current
        core::spinBackoff(spins);
    }
    worker.flushAllFlows();
    worker.publishStatsIfDue(/*force=*/true);
}

// True when reading `handle` may block waiting for a writer (pipe, FIFO, socket, terminal).
bool isStreamInput(pcap_t* handle) {
    FILE* f = pcap_file(handle);
    struct stat st {};
    if (!f || fstat(fileno(f), &st) != 0) return false;
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode);
}

// For stream input: true when the next read would block.
bool inputStalled(pcap_t* handle) {
    pollfd pfd{fileno(pcap_file(handle)), POLLIN, 0};
    return poll(&pfd, 1, 0) == 0;
}

} // namespace

RunSummary runFilePipeline(const Options& o) {
    const RunAs run_as = resolveRunAs(o);
    // Open every file before processing any, so a bad path fails at start-up with exit 2.
    std::vector<std::pair<std::string, capture::PcapHandle>> files;
    for (const std::string& path : o.read_files)
        files.emplace_back(path, capture::openCaptureFile(path, o.bpf_filter));
    dropCapabilitiesBeforeThreads();

    PipelineParts parts = buildPipelineParts(o, /*lossless=*/true, /*capture_threads=*/1);
    const unsigned n = o.workers;
    std::vector<std::unique_ptr<WorkerLane>> lanes;
    for (unsigned i = 0; i < n; ++i) {
        auto lane = std::make_unique<WorkerLane>();
        for (size_t k = 0; k < kBatchesPerWorker; ++k) {
            lane->pool.push_back(std::make_unique<core::PacketBatch>());
            core::PacketBatch* batch = lane->pool.back().get();
            lane->empty.tryPush(batch);
        }
        lanes.push_back(std::move(lane));
    }

    // Everything privileged (capture files, outputs, spool, metrics socket) is open.
    dropPrivileges(run_as, directoriesKeptWritable(o));
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < n; ++i)
        threads.emplace_back(workerLoop, std::ref(*parts.workers[i]), std::ref(*lanes[i]));
    // Every thread is started (with the control signals blocked): from here only this thread,
    // the reader, takes SIGINT/SIGTERM/SIGHUP. A SIGHUP restarts a read() it interrupts, so a
    // reload never ends a piped input; a stop interrupts it (control_signals.h).
    acceptControlSignals();

    RunSummary summary;
    capture::IpDefragmenter defrag(o.defrag);
    capture::CaptureClock clock;
    uint64_t last_defrag_expiry_us = 0;

    // What the metrics endpoint sees of the reader: one source per file, published about once
    // a second (checked every 1024 frames) and whenever a stream input waits.
    CaptureStats capture_stats;
    auto last_published = std::chrono::steady_clock::now();
    const auto publishCaptureStats = [&](bool force) {
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_published < std::chrono::seconds(1)) return;
        last_published = now;
        capture_stats.decode = summary.decode;
        capture_stats.defrag = defrag.counters();
        capture_stats.read_errors = summary.read_errors;
        capture_stats.timestamp_anomalies = clock.anomalies();
        capture_stats.length_anomalies = summary.length_anomalies;
        parts.capture_stats[0]->publish(capture_stats);
    };
    // The writer paused: hand every worker what came so far, and the time, even with no
    // packets for it (a non-IP frame or another worker's packet moved the clock), so flows
    // that timed out end and their alerts go out now rather than when the stream ends.
    const auto sendPartialBatches = [&] {
        for (auto& lane : lanes) {
            if (lane->last_sent_time_us >= clock.now() &&
                !(lane->filling && lane->filling->size() > 0))
                continue;
            if (!lane->filling) lane->filling = takeEmptyBatch(*lane);
            sendBatch(*lane, clock.now());
        }
    };

    const auto dispatch = [&](const core::Packet& p) {
        const uint64_t hash = core::hashFlowKey(core::FlowKey::fromPacket(p), parts.hash_seed);
        WorkerLane& lane = *lanes[core::reduceHash(hash, n)];
        if (lane.filling && !lane.filling->fits(p.caplen)) sendBatch(lane, clock.now());
        if (!lane.filling) lane.filling = takeEmptyBatch(lane);
        lane.filling->add(p, hash);
    };

    const auto readFile = [&](const std::string& path, pcap_t* handle) {
        const capture::PacketDecoder decoder(pcap_datalink(handle));
        const bool stream = isStreamInput(handle);
        clock.startFile();
        capture_stats.sources.push_back({path, 0, 0, 0});
        CaptureSourceStats& source = capture_stats.sources.back();
        pcap_pkthdr* hdr;
        const u_char* data;
        int rc = 0;
        const auto nextFrame = [&] {
            if (stream && inputStalled(handle)) {
                sendPartialBatches(); // the writer paused: let the workers see what came so far
                publishCaptureStats(true);
            }
            return pcap_next_ex(handle, &hdr, &data);
        };
        while (!stopRequested().load(std::memory_order_relaxed) && (rc = nextFrame()) == 1) {
            // The file format stores unsigned 32-bit seconds; libpcap hands them over as a
            // signed time_t, so a set top bit would otherwise read as a negative time.
            const uint64_t ts = clock.sanitize(static_cast<uint32_t>(hdr->ts.tv_sec),
                                               static_cast<uint32_t>(hdr->ts.tv_usec));
            ++summary.frames_read;
            // More bytes captured than were on the wire: the record lies. libpcap hands it over
            // (its bytes are there); decode it as captured, but say so.
            if (hdr->caplen > hdr->len) ++summary.length_anomalies;
            summary.frames_bytes += hdr->len;
            ++source.packets;
            source.bytes += hdr->len;
            if ((summary.frames_read & 1023) == 0) publishCaptureStats(false);

            core::Packet packet;
            capture::FragmentInfo frag;
            capture::DecodeError error = capture::DecodeError::kNone;
            auto result = decoder.decode(data, hdr->caplen, hdr->len, ts, packet, frag, error);
            if (result == capture::DecodeResult::kFragment) {
                const auto whole = defrag.add(frag, data, ts);
                if (whole.empty()) continue;
                result = capture::PacketDecoder::decodeReassembled(
                    whole.data(), static_cast<uint32_t>(whole.size()), ts, frag.vlan_id,
                    frag.tunneled, packet, error);
            }
            if (result != capture::DecodeResult::kPacket) {
                summary.decode.count(error);
                continue;
            }
            dispatch(packet);
            if (clock.now() - last_defrag_expiry_us >= 1'000'000) {
                defrag.expire(clock.now());
                last_defrag_expiry_us = clock.now();
            }
        }
        if (!stopRequested().load() && rc == PCAP_ERROR) {
            // A damaged capture (cut short, corrupt record): keep what was read, say so, count.
            ++summary.read_errors;
            std::cerr << "egressmon: warning: capture '" << path << "' ends in a read error after "
                      << summary.frames_read << " frames: " << pcap_geterr(handle) << "\n";
        }
    };

    // Whatever happens on the reader, the workers must be told the input ended and be joined
    // before this frame unwinds (a joinable std::thread destroyed would terminate).
    std::exception_ptr failure;
    try {
        for (auto& [path, handle] : files)
            readFile(path, handle.get());
    } catch (...) {
        failure = std::current_exception();
    }

    for (auto& lane : lanes) {
        if (lane->filling) sendBatch(*lane, clock.now());
        lane->input_done.store(true, std::memory_order_release);
    }
    publishCaptureStats(true);
    for (auto& t : threads)
        t.join();
    summary.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    closeParts(parts, summary);
    summary.defrag = defrag.counters();
    summary.timestamp_anomalies = clock.anomalies();
    // Workers joined and sinks closed: now the reader's failure may unwind (a start-up style
    // error, exit 2), rather than end the run quietly with part of the input.
    if (failure) std::rethrow_exception(failure);
    return summary;
}

} // namespace egressmon::app
