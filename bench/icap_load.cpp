// The ICAP load generator of bench/icap_bench.py: C connections to an ICAP service on loopback,
// each sending REQMODs one after another (as Squid does: one transaction at a time on a
// connection), shaped like Squid 5.7's (bench/icap_load_requests.h), reading every reply whole
// and checking it: 204, 200 echoing the request (compared byte for byte, or by length with
// --verify length), 200 carrying an HTTP response (a block page), or an error.
//
//   egressmon_icap_load --target HOST:PORT (--bodies DIR | --small BYTES)
//       [--connections C] [--duration S [--warmup S] | --requests N] [--shape mix|multipart|put]
//       [--allow-204 squid|always|never] [--preview N] [--chunking squid|whole]
//       [--verify exact|length]
//
// One epoll loop on one thread, non-blocking sockets, the requests built before the run: the
// generator stays cheap (its own CPU time is reported) and reads while it writes, so a service
// that streams an echo back while the body still arrives cannot deadlock it.
// Prints one line of JSON: requests and replies by kind, errors by kind, requests/s, body
// Mbit/s (the HTTP bodies of the completed requests), latency per request in microseconds from
// the first byte sent to the last byte of the final reply (p50, p90, p99, p999, max, mean), and
// the generator's CPU seconds. With --warmup, what completes in the first S seconds is not
// counted.

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sstream>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <vector>

#include "bench/icap_load_requests.h"
#include "bench/icap_reply_reader.h"
#include "core/unique_fd.h"

namespace {

using egressmon::bench::IcapReplyReader;
using egressmon::bench::PreparedRequest;
using egressmon::bench::RequestOptions;
using egressmon::core::UniqueFd;
using Clock = std::chrono::steady_clock;

struct Args {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    std::string bodies_dir;
    size_t small_bytes = 0;
    unsigned connections = 1;
    double duration_s = 0;
    double warmup_s = 0;
    uint64_t requests = 0;
    bool exact = true;
    RequestOptions request;
};

[[noreturn]] void usage(const std::string& msg) {
    std::fprintf(stderr,
                 "egressmon_icap_load: %s\nusage: egressmon_icap_load --target HOST:PORT "
                 "(--bodies DIR | --small BYTES) [--connections C] [--duration S [--warmup S] | "
                 "--requests N] [--shape mix|multipart|put] [--allow-204 squid|always|never] "
                 "[--preview N] [--chunking squid|whole] [--verify exact|length]\n",
                 msg.c_str());
    std::exit(2);
}

uint64_t toNumber(const std::string& s, const char* what) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') usage(std::string("bad ") + what + ": " + s);
    return v;
}

Args parseArgs(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        if (i + 1 >= argc) usage("missing value for " + k);
        const std::string v = argv[++i];
        if (k == "--target") {
            const size_t colon = v.rfind(':');
            if (colon == std::string::npos) usage("--target is HOST:PORT");
            a.host = v.substr(0, colon);
            a.port = static_cast<uint16_t>(toNumber(v.substr(colon + 1), "port"));
        } else if (k == "--bodies") {
            a.bodies_dir = v;
        } else if (k == "--small") {
            a.small_bytes = toNumber(v, "--small");
        } else if (k == "--connections") {
            a.connections = static_cast<unsigned>(std::max<uint64_t>(1, toNumber(v, k.c_str())));
        } else if (k == "--duration") {
            a.duration_s = std::atof(v.c_str());
        } else if (k == "--warmup") {
            a.warmup_s = std::atof(v.c_str());
        } else if (k == "--requests") {
            a.requests = toNumber(v, k.c_str());
        } else if (k == "--preview") {
            a.request.preview = toNumber(v, k.c_str());
        } else if (k == "--allow-204") {
            using egressmon::bench::Allow204;
            a.request.allow_204 = v == "squid"    ? Allow204::kSquid
                                  : v == "always" ? Allow204::kAlways
                                  : v == "never"  ? Allow204::kNever
                                                  : (usage("bad --allow-204"), Allow204::kSquid);
        } else if (k == "--shape") {
            using egressmon::bench::BodyShape;
            a.request.shape = v == "mix"         ? BodyShape::kMix
                              : v == "multipart" ? BodyShape::kMultipart
                              : v == "put"       ? BodyShape::kPut
                                                 : (usage("bad --shape"), BodyShape::kMix);
        } else if (k == "--chunking") {
            using egressmon::bench::Chunking;
            a.request.chunking = v == "squid"   ? Chunking::kSquid
                                 : v == "whole" ? Chunking::kWhole
                                                : (usage("bad --chunking"), Chunking::kSquid);
        } else if (k == "--verify") {
            if (v != "exact" && v != "length") usage("bad --verify");
            a.exact = v == "exact";
        } else {
            usage("unknown option " + k);
        }
    }
    if (a.port == 0) usage("--target is required");
    if (a.bodies_dir.empty() == (a.small_bytes == 0)) usage("give one of --bodies and --small");
    if ((a.duration_s > 0) == (a.requests > 0)) usage("give one of --duration and --requests");
    if (a.warmup_s >= a.duration_s && a.duration_s > 0) usage("--warmup must be below --duration");
    a.request.icap_authority = a.host + ":" + std::to_string(a.port);
    return a;
}

std::vector<PreparedRequest> prepare(const Args& a) {
    std::vector<PreparedRequest> out;
    if (a.small_bytes > 0) {
        for (size_t i = 0; i < 16; ++i)
            out.push_back(egressmon::bench::smallFormRequest(a.request, a.small_bytes, i));
        return out;
    }
    std::vector<std::string> names;
    DIR* dir = ::opendir(a.bodies_dir.c_str());
    if (!dir) usage("cannot open " + a.bodies_dir);
    while (const dirent* e = ::readdir(dir)) {
        const std::string path = a.bodies_dir + "/" + e->d_name;
        struct stat st {};
        if (e->d_name[0] != '.' && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            names.push_back(e->d_name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    if (names.empty()) usage("no files in " + a.bodies_dir);
    for (size_t i = 0; i < names.size(); ++i) {
        std::ifstream in(a.bodies_dir + "/" + names[i], std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        out.push_back(egressmon::bench::documentRequest(a.request, names[i], ss.str(), i));
    }
    return out;
}

struct Connection {
    UniqueFd fd;
    const PreparedRequest* request = nullptr;
    const std::string* sending = nullptr; // first, then rest after 100 Continue
    size_t sent = 0;
    bool awaiting_continue = false; // the preview is sent; 100 or a final reply comes
    bool want_write = false;
    Clock::time_point started;
    IcapReplyReader reader;
};

struct Totals {
    uint64_t requests = 0, body_bytes = 0, wire_bytes = 0;
    uint64_t no_content = 0, echo = 0, response = 0, status = 0, continues = 0;
    std::map<std::string, uint64_t> errors;
    std::vector<uint32_t> latency_us, latency_204_us, latency_echo_us;
};

class Generator {
  public:
    Generator(const Args& args, std::vector<PreparedRequest> requests)
        : args_(args), requests_(std::move(requests)), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
        if (!epoll_) usage("epoll_create1 failed");
        totals_.latency_us.reserve(1 << 20);
    }

    int run();

  private:
    bool open(Connection& c);
    void startRequest(Connection& c);
    bool send(Connection& c);
    bool receive(Connection& c);
    void error(Connection& c, const std::string& kind, const std::string& detail);
    void watch(Connection& c, bool add);
    bool stopping() const;

    const Args& args_;
    std::vector<PreparedRequest> requests_;
    UniqueFd epoll_;
    std::vector<std::unique_ptr<Connection>> connections_;
    size_t next_request_ = 0;
    bool counting_ = true;
    uint64_t completed_all_ = 0;
    Clock::time_point deadline_;
    Totals totals_;
    unsigned error_lines_ = 0;
};

bool Generator::stopping() const {
    if (args_.requests > 0) return completed_all_ >= args_.requests;
    return Clock::now() >= deadline_;
}

void Generator::watch(Connection& c, bool add) {
    epoll_event ev{};
    ev.events = EPOLLIN | (c.want_write ? EPOLLOUT : 0u);
    ev.data.ptr = &c;
    ::epoll_ctl(epoll_.get(), add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd.get(), &ev);
}

bool Generator::open(Connection& c) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(args_.port);
    if (!fd || ::inet_pton(AF_INET, args_.host.c_str(), &sa.sin_addr) != 1) return false;
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return false;
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::fcntl(fd.get(), F_SETFL, O_NONBLOCK) != 0) return false;
    c.fd = std::move(fd);
    c.reader.next();
    c.want_write = false;
    watch(c, true);
    return true;
}

void Generator::error(Connection& c, const std::string& kind, const std::string& detail) {
    if (counting_) ++totals_.errors[kind];
    if (error_lines_ < 5) {
        ++error_lines_;
        std::fprintf(stderr, "egressmon_icap_load: %s (%s): %s\n", kind.c_str(),
                     c.request ? c.request->name.c_str() : "-", detail.c_str());
    }
    // The stream's state is unknown: a new connection for the next request.
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
    c.fd.reset();
    c.request = nullptr;
}

void Generator::startRequest(Connection& c) {
    const PreparedRequest& r = requests_[next_request_++ % requests_.size()];
    c.request = &r;
    c.sending = &r.first;
    c.sent = 0;
    c.awaiting_continue = false;
    c.reader.next();
    c.reader.expect(r.http_head, r.body, args_.exact);
    c.started = Clock::now();
    if (!send(c)) return;
}

// Writes what it can of the current part; false: the connection failed (already handled).
bool Generator::send(Connection& c) {
    while (c.sending && c.sent < c.sending->size()) {
        const ssize_t n = ::send(c.fd.get(), c.sending->data() + c.sent, c.sending->size() - c.sent,
                                 MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            error(c, "send", std::strerror(errno));
            return false;
        }
        c.sent += static_cast<size_t>(n);
    }
    const bool pending = c.sending && c.sent < c.sending->size();
    if (!pending && c.sending) {
        // The first part of a preview that needs a decision: 100 Continue or a final reply.
        c.awaiting_continue = c.sending == &c.request->first && !c.request->rest.empty();
        c.sending = nullptr;
    }
    if (pending != c.want_write) {
        c.want_write = pending;
        watch(c, false);
    }
    return true;
}

bool Generator::receive(Connection& c) {
    static char buffer[256 * 1024];
    for (;;) {
        const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
        if (n == 0) {
            error(c, "closed", "the service closed the connection");
            return false;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
            error(c, "recv", std::strerror(errno));
            return false;
        }
        size_t at = 0;
        while (at < static_cast<size_t>(n)) {
            if (!c.request) {
                error(c, "unsolicited", "bytes with no request outstanding");
                return false;
            }
            at += c.reader.feed(buffer + at, static_cast<size_t>(n) - at);
            if (c.reader.failed()) {
                error(c, "bad-reply", c.reader.error());
                return false;
            }
            if (!c.reader.ready()) continue;
            const IcapReplyReader::Kind kind = c.reader.kind();
            if (kind == IcapReplyReader::Kind::kContinue) {
                if (!c.awaiting_continue) {
                    error(c, "unexpected-100", "100 Continue without a preview awaiting it");
                    return false;
                }
                if (counting_) ++totals_.continues;
                c.awaiting_continue = false;
                c.reader.next();
                c.sending = &c.request->rest;
                c.sent = 0;
                if (!send(c)) return false;
                continue;
            }
            if (c.sending != nullptr) {
                error(c, "early-reply", "a final reply before the request was sent whole");
                return false;
            }
            const PreparedRequest& r = *c.request;
            ++completed_all_;
            if (counting_) {
                const auto us =
                    std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.started)
                        .count();
                const auto lat = static_cast<uint32_t>(std::min<int64_t>(us, ~0u));
                totals_.latency_us.push_back(lat);
                if (kind == IcapReplyReader::Kind::kNoContent)
                    totals_.latency_204_us.push_back(lat);
                if (kind == IcapReplyReader::Kind::kEcho) totals_.latency_echo_us.push_back(lat);
                ++totals_.requests;
                totals_.body_bytes += r.body.size();
                totals_.wire_bytes += r.first.size() + (c.awaiting_continue ? 0 : r.rest.size());
                switch (kind) {
                case IcapReplyReader::Kind::kNoContent: ++totals_.no_content; break;
                case IcapReplyReader::Kind::kEcho: ++totals_.echo; break;
                case IcapReplyReader::Kind::kResponse: ++totals_.response; break;
                default: ++totals_.status; break;
                }
                if (kind == IcapReplyReader::Kind::kStatus)
                    ++totals_.errors["status-" + std::to_string(c.reader.status())];
            }
            if (kind == IcapReplyReader::Kind::kNoContent && !r.allow_204) {
                error(c, "204-not-allowed", "204 to a request without Allow: 204");
                return false;
            }
            c.request = nullptr;
            if (at != static_cast<size_t>(n)) {
                error(c, "unsolicited", "bytes after the final reply");
                return false;
            }
            if (stopping()) return true;
            startRequest(c);
            if (!c.fd) return false;
        }
    }
}

double cpuSeconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// {"n", "p50", "p90", "p99", "p999", "max", "mean"} of latencies in microseconds.
std::string latencyJson(std::vector<uint32_t> v) {
    std::sort(v.begin(), v.end());
    const auto at = [&](double q) -> unsigned {
        return v.empty() ? 0u : v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
    };
    double mean = 0;
    for (const uint32_t x : v)
        mean += x;
    mean = v.empty() ? 0 : mean / static_cast<double>(v.size());
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"n\": %zu, \"p50\": %u, \"p90\": %u, \"p99\": %u, \"p999\": %u, "
                  "\"max\": %u, \"mean\": %.1f}",
                  v.size(), at(0.50), at(0.90), at(0.99), at(0.999), v.empty() ? 0u : v.back(),
                  mean);
    return buf;
}

int Generator::run() {
    const auto begin = Clock::now();
    deadline_ = begin + std::chrono::microseconds(static_cast<int64_t>(args_.duration_s * 1e6));
    const auto warm_until =
        begin + std::chrono::microseconds(static_cast<int64_t>(args_.warmup_s * 1e6));
    counting_ = args_.warmup_s <= 0;
    for (unsigned i = 0; i < args_.connections; ++i) {
        connections_.push_back(std::make_unique<Connection>());
        if (!open(*connections_.back())) {
            std::fprintf(stderr, "egressmon_icap_load: cannot connect to %s:%u: %s\n",
                         args_.host.c_str(), args_.port, std::strerror(errno));
            return 1;
        }
    }
    auto measure_start = begin;
    double cpu_start = cpuSeconds();
    for (auto& c : connections_)
        startRequest(*c);
    epoll_event events[64];
    unsigned reconnect_failures = 0;
    double seconds = 0, cpu = 0;
    bool measuring = true;
    // After the deadline no request starts; those in flight finish (uncounted, within
    // kDrainSeconds), so the service sees no aborted request and no reset connection.
    constexpr double kDrainSeconds = 30;
    Clock::time_point drain_until;
    for (;;) {
        if (measuring && stopping()) {
            measuring = false;
            seconds = std::chrono::duration<double>(Clock::now() - measure_start).count();
            cpu = cpuSeconds() - cpu_start;
            counting_ = false;
            drain_until =
                Clock::now() + std::chrono::microseconds(static_cast<int64_t>(kDrainSeconds * 1e6));
        }
        if (!measuring) {
            const bool busy = std::any_of(connections_.begin(), connections_.end(),
                                          [](const auto& c) { return c->fd && c->request; });
            if (!busy) break;
            if (Clock::now() >= drain_until) {
                std::fprintf(stderr,
                             "egressmon_icap_load: requests still open %.0f s after the "
                             "end: abandoned\n",
                             kDrainSeconds);
                ++totals_.errors["drain-timeout"];
                break;
            }
        }
        const int n = ::epoll_wait(epoll_.get(), events, 64, 10);
        for (int i = 0; i < n; ++i) {
            auto& c = *static_cast<Connection*>(events[i].data.ptr);
            if (!c.fd) continue;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                if (!receive(c)) continue;
            }
            if (c.fd && c.request && (events[i].events & EPOLLOUT)) send(c);
        }
        if (measuring && !counting_ && Clock::now() >= warm_until) {
            counting_ = true;
            measure_start = Clock::now();
            cpu_start = cpuSeconds();
        }
        // Connections dropped after an error: a new one, and the next request on it.
        for (auto& c : connections_) {
            if (c->fd || stopping()) continue;
            if (!open(*c)) {
                if (++reconnect_failures > 100) {
                    std::fprintf(stderr, "egressmon_icap_load: cannot reconnect: %s\n",
                                 std::strerror(errno));
                    return 1;
                }
                continue;
            }
            startRequest(*c);
        }
    }
    uint64_t errors = 0;
    std::string error_kinds;
    for (const auto& [kind, count] : totals_.errors) {
        errors += count;
        error_kinds +=
            (error_kinds.empty() ? "\"" : ", \"") + kind + "\": " + std::to_string(count);
    }
    size_t max_body = 0;
    for (const auto& r : requests_)
        max_body = std::max(max_body, r.body.size());
    std::printf(
        "{\"connections\": %u, \"seconds\": %.4f, \"requests\": %llu, \"requests_per_s\": %.1f, "
        "\"body_bytes\": %llu, \"body_mbps\": %.2f, \"wire_bytes\": %llu, "
        "\"replies\": {\"204\": %llu, \"200_echo\": %llu, \"200_response\": %llu, "
        "\"other_status\": %llu, \"100\": %llu}, \"errors\": %llu, \"error_kinds\": {%s}, "
        "\"latency_us\": %s, \"latency_204_us\": %s, \"latency_echo_us\": %s, "
        "\"generator_cpu_seconds\": %.3f, \"generator_cpu_share\": %.3f, "
        "\"distinct_requests\": %zu, \"max_body_bytes\": %zu}\n",
        args_.connections, seconds, static_cast<unsigned long long>(totals_.requests),
        totals_.requests / seconds, static_cast<unsigned long long>(totals_.body_bytes),
        totals_.body_bytes * 8 / seconds / 1e6, static_cast<unsigned long long>(totals_.wire_bytes),
        static_cast<unsigned long long>(totals_.no_content),
        static_cast<unsigned long long>(totals_.echo),
        static_cast<unsigned long long>(totals_.response),
        static_cast<unsigned long long>(totals_.status),
        static_cast<unsigned long long>(totals_.continues), static_cast<unsigned long long>(errors),
        error_kinds.c_str(), latencyJson(totals_.latency_us).c_str(),
        latencyJson(totals_.latency_204_us).c_str(), latencyJson(totals_.latency_echo_us).c_str(),
        cpu, cpu / seconds, requests_.size(), max_body);
    return errors == 0 ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    const Args args = parseArgs(argc, argv);
    Generator generator(args, prepare(args));
    return generator.run();
}
