// The GDB remote stub (--gdb PORT, --gdb-wait): gdb-multiarch attaches as it does to QEMU's
// -s -S. It reads and writes registers (the core AArch64 set, and the vCPU's virtual EL1
// system registers in a feature of their own) and memory (through the guest's translation),
// sets breakpoints and write watchpoints, single-steps, continues, is interrupted with
// Ctrl-C, sees each vCPU as a thread, and offers the stepper's inspection commands as
// `monitor` commands (monitor explain, monitor runq, monitor trace on). Listens on
// 127.0.0.1 only.
#pragma once

#include <string>

#include "vmm/debug/gdb_packet.h"
#include "vmm/debug/run_control.h"

namespace trapeze {

class GdbStub final : public RunControl {
public:
    // Listens on 127.0.0.1:port (0: any free port) and says where on stderr. With `wait`, the
    // guest is held before its first instruction until GDB attaches and continues. Throws
    // std::runtime_error if the port cannot be had.
    GdbStub(Vm& vm, std::string_view version, std::string target, unsigned port, bool wait);
    ~GdbStub() override;

    unsigned port() const { return port_; }
    // The run is over: tell an attached GDB how it ended (W or X), and let go.
    void finish();

protected:
    void on_hold(Vcpu& vcpu) override;
    void on_event(const TraceEvent& event) override;
    bool interrupt_requested() override;

private:
    bool accept_client(bool block);
    void close_client();
    bool read_some(bool block);  // false when the connection is gone
    void send_packet(std::string_view payload);
    void send_raw(std::string_view bytes);
    // Serve one packet; true when it resumed the run (or ended the session).
    bool serve(Vcpu& vcpu, const std::string& packet);
    std::string stop_reply(Vcpu& vcpu) const;
    std::string read_registers(Vcpu& vcpu) const;
    std::string query(Vcpu& vcpu, const std::string& packet);
    std::string monitor_command(Vcpu& vcpu, const std::string& hex);
    std::string breakpoint(Vcpu& vcpu, const std::string& packet);
    bool resume_from(Vcpu& vcpu, const std::string& packet, std::string& reply);
    std::optional<std::uint64_t> register_value_at(Vcpu& vcpu, unsigned n, unsigned& bytes) const;
    bool set_register_at(Vcpu& vcpu, unsigned n, std::uint64_t value);

    std::string target_;
    int listener_ = -1;
    int client_ = -1;
    unsigned port_ = 0;
    bool ack_mode_ = true;
    bool waiting_for_stop_ = false;  // GDB resumed the run and waits for a stop reply
    bool interrupted_ = false;
    bool trace_on_ = false;
    gdb::PacketReader reader_;
    std::string target_xml_;
};

}  // namespace trapeze
