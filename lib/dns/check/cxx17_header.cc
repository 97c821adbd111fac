// Compiled as C++17 (lib/CMakeLists.txt, weft_cxx17_header_check): the headers ns-3 may include.
#include "dns/message.h"
#include "dns/resolver.h"
