#pragma once
// librdkafka's events for a one-shot operator command: its log lines are dropped (they would
// repeat every reconnect attempt on the command's stderr, where the contract allows one line),
// and the latest error is kept so the command's own one-line failure can say what librdkafka
// saw ("Connection refused", an SSL handshake failure).
//
// Log events may arrive on librdkafka's threads and are ignored; errors arrive through poll()
// or consume() on the command's main thread, which also reads lastError().

#include <string>

#include <librdkafka/rdkafkacpp.h>

namespace egressmon::app {

class KafkaCliEvents : public RdKafka::EventCb {
  public:
    void event_cb(RdKafka::Event& event) override {
        if (event.type() != RdKafka::Event::EVENT_ERROR) return;
        last_error_ = RdKafka::err2str(event.err());
        if (!event.str().empty() && event.str() != last_error_) last_error_ += ": " + event.str();
    }
    const std::string& lastError() const { return last_error_; }

  private:
    std::string last_error_;
};

} // namespace egressmon::app
