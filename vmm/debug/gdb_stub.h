// The GDB remote stub (--gdb PORT, --gdb-wait): gdb-multiarch attaches as it does to QEMU's
// -s -S. It reads and writes registers (the core AArch64 set, and the vCPU's virtual EL1
// system registers in a feature of their own) and memory (through the guest's translation),
// sets breakpoints and write watchpoints, single-steps, continues, is interrupted with
// Ctrl-C, sees each vCPU as a thread, and offers the stepper's inspection commands as
// `monitor` commands (monitor explain, monitor runq, monitor trace on). With several VMs it
// speaks GDB's multiprocess extension: each VM a process (pid = VM id + 1), each vCPU a
// thread ("p2.1"); registers, memory and breakpoints are those of the thread GDB selected.
// GDB is attached to the first VM; `attach 2` (extended-remote) adds the second as an
// inferior, as QEMU's stub does with its CPU clusters. Listens on 127.0.0.1 only.
#pragma once

#include <string>
#include <optional>
#include <set>
#include <vector>

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
    // "p2.1" (multiprocess) or "1" (a thread number over the machine's vCPUs, from 1).
    std::string thread_id(const Vcpu& vcpu) const;
    // A thread id GDB sent: the vCPU, nullptr for "any" or "all" (0, -1, p-1), nullopt if it
    // names none. A process alone ("p2", "p2.0", "p2.-1") is its first vCPU.
    std::optional<Vcpu*> parse_thread(std::string_view text) const;
    std::vector<Vcpu*> machine_vcpus() const;
    // GDB has this VM as an inferior (always, without the multiprocess extension).
    bool attached(const Vm& vm) const;
    // What a stop reply names: the held vCPU, or the first attached VM's if GDB lacks its VM.
    Vcpu& shown(Vcpu& held) const;
    // vAttach;PID, D;PID.
    std::string attach(const std::string& pid);
    bool detach_process(const std::string& pid, std::string& reply);
    // The thread whose registers and memory the packets act on (Hg), or the held one.
    Vcpu& selected(Vcpu& held) const { return general_ ? *general_ : held; }
    bool set_register_at(Vcpu& vcpu, unsigned n, std::uint64_t value);

    std::string target_;
    int listener_ = -1;
    int client_ = -1;
    unsigned port_ = 0;
    bool ack_mode_ = true;
    bool waiting_for_stop_ = false;  // GDB resumed the run and waits for a stop reply
    bool interrupted_ = false;
    bool trace_on_ = false;
    bool multiprocess_ = false;        // GDB and several VMs: thread ids are pPID.TID
    std::set<unsigned> attached_;      // multiprocess: the VMs (ids) GDB has as inferiors
    Vcpu* general_ = nullptr;          // Hg: registers, memory, breakpoints (null: the held vCPU)
    Vcpu* resume_thread_ = nullptr;    // Hc: the thread `s` steps (null: the machine)
    gdb::PacketReader reader_;
    std::string target_xml_;
};

}  // namespace trapeze
