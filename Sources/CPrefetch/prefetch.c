// SwiftPM needs a source file in a C target; the code is the inline
// function in include/CPrefetch.h.
#include "CPrefetch.h"
