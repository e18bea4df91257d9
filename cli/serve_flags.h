// The flags of `serve`, each bound to its field of ServeSettings (serve_settings.h says what each
// default is and why).
#pragma once

namespace CLI {
class App;
}

namespace cell0::cli {

struct ServeSettings;

// `s` must outlive the command: CLI11 writes the parsed values there.
void add_serve_flags(CLI::App& cmd, ServeSettings& s);

}  // namespace cell0::cli
