#pragma once
// RAII ownership of a C library's handle: CHandle<T, Fn> is a std::unique_ptr<T> that calls the
// library's release function Fn(T*) on a non-null pointer. The deleter is stateless, so a
// CHandle stays pointer-sized. One helper for every C handle (pcap, nDPI, Hyperscan, DIR, ...):
//
//   using PcapHandle = core::CHandle<pcap_t, pcap_close>;
//   core::CHandle<DIR, closedir> dir(fdopendir(fd));
//
// Fn is called with the pointer only; what it returns (an error code) is ignored, so a release
// whose failure matters (fclose of a written file) is done by hand through release().

#include <memory>

namespace egressmon::core {

template <auto Fn> struct CDeleter {
    template <class T> void operator()(T* p) const noexcept {
        if (p) static_cast<void>(Fn(p));
    }
};

template <class T, auto Fn> using CHandle = std::unique_ptr<T, CDeleter<Fn>>;

} // namespace egressmon::core
