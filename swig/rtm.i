/* One SWIG interface for every language binding of librtm. The flat C ABI of
 * <rtm/rtm.h> is wrapped as it is; each language adds its typemaps (out-parameters, string
 * lists, attribute arrays, byte buffers) in its own file below, and the idiomatic layer in
 * bindings/<language>/ builds the classes users see on top of the generated module. */
%module rtm_native

%{
#include <rtm/rtm.h>
%}

%include <stdint.i>

/* Per-language typemaps. Each file is owned by its binding. */
#if defined(SWIGPYTHON)
%include "rtm_python.i"
#elif defined(SWIGJAVA)
%include "rtm_java.i"
#elif defined(SWIGCSHARP)
%include "rtm_csharp.i"
#endif

#define RTM_API
%include "rtm/rtm.h"
