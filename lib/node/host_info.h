// What a node reports about its host for device posture (docs/network-config.md, "Device
// posture"): the OS version Tailscale reports for Linux, the kernel release.
#pragma once

#include <string>

namespace weft::node {

/// The running kernel's release (uname(2): "6.1.0-18-amd64"); "" when uname fails.
std::string kernel_release();

}  // namespace weft::node
