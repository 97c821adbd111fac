// The node's name resolution is the runtime's (runtime/resolve.h), shared with `weft tunnel`'s
// host-name endpoints; this header keeps lib/node's spelling.
#pragma once

#include "runtime/resolve.h"

namespace weft::node {

using runtime::resolve_on_thread;

}  // namespace weft::node
