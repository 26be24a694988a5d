// The control socket's commands and events: one table of commands, each row a name, its
// argument schema, its help and its handler; one table of events. A new command or event is
// one more row.
#pragma once

#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace trapeze {

class MigrationControl;
class Monitor;
class VmLifecycle;

using Json = nlohmann::ordered_json;

// What a command works on.
struct ControlContext {
    VmLifecycle& lifecycle;
    Monitor& monitor;
    MigrationControl& migrations;
    std::set<std::string>& subscriptions;  // the events the asking client receives
    bool& quit;                            // `quit`: the process ends after the answer
    std::function<void(std::string_view event, Json data)> emit;  // to the clients subscribed to it
};

enum class ArgumentType : std::uint8_t { String, Count, EventNames };

struct ControlArgument {
    std::string_view key;
    ArgumentType type;
    bool required;
    std::string_view help;
};

struct ControlCommand {
    std::string_view name;
    std::span<const ControlArgument> arguments;  // checked before the handler runs
    bool takes_vm_entry;                         // the arguments are a scenario's VM entry (vm-create)
    std::string_view help;
    Json (*run)(ControlContext& context, const Json& arguments);
};

struct ControlEvent {
    std::string_view name;
    std::string_view help;
};

std::span<const ControlCommand> control_commands();
const ControlCommand* find_control_command(std::string_view name);
std::span<const ControlEvent> control_events();

// Thrown by a handler or the argument check: the answer's error class and description.
struct ControlError {
    std::string error_class;
    std::string description;
};

// Check `arguments` against the command's schema (unknown keys, missing ones, types); throws
// ControlError("InvalidArguments", ...).
void check_arguments(const ControlCommand& command, const Json& arguments);

}  // namespace trapeze
