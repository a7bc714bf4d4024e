/* Python typemaps for the flat C ABI (included by rtm.i when SWIG runs with -python).
 *
 * The generated module, rtm._rtm_native, stays a thin mirror of <rtm/rtm.h>; the package rtm
 * builds the classes users see on top of it. What changes here is only how values cross:
 *   - const char *          str (UTF-8, no NUL inside) or None for NULL; anything else raises
 *   - uint64_t *request_id  an extra return value: the call returns (err, request_id)
 *   - rtm_err_t *err        an extra return value: the call returns (object or None, err)
 *   - (const char *const *, size_t)      any sequence of str (not a str itself)
 *   - (const rtm_attribute_t *, size_t)  a dict of str to str, or a sequence of (key, value)
 *   - (const void *, size_t)             any bytes-like object (bytes, bytearray, memoryview)
 *   - rtm_message_data      returns bytes, NULs included
 *   - rtm_token_build       returns (str or None, err); the C string is freed here
 * The GIL is released around the calls that may block: rtm_client_poll (waits for events),
 * rtm_client_new and rtm_client_free (start and stop the shared I/O thread). librtm leaves the
 * process's signal handlers alone, so Ctrl-C keeps raising KeyboardInterrupt. */

%{
#include <pthread.h>
#include <signal.h>
#include <string.h>

/* A str argument as UTF-8 borrowed from the str object (which the argument tuple keeps alive
 * for the whole call). Returns 0 and sets a Python exception on failure. */
static int rtm_py_utf8(PyObject *obj, const char **out, const char *what)
{
    Py_ssize_t n;
    const char *s;
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be str, not %.80s", what, Py_TYPE(obj)->tp_name);
        return 0;
    }
    s = PyUnicode_AsUTF8AndSize(obj, &n);
    if (!s)
        return 0;
    if (strlen(s) != (size_t)n) {
        PyErr_Format(PyExc_ValueError, "%s must not contain a NUL character", what);
        return 0;
    }
    *out = s;
    return 1;
}

/* (result, out_value) for the calls with one out-parameter, whatever the result is (SWIG's own
 * helper would drop a None result and return a bare out_value). Steals both references. */
static PyObject *rtm_py_pair(PyObject *result, PyObject *out_value)
{
    PyObject *pair;
    if (!result || !out_value) {
        Py_XDECREF(result);
        Py_XDECREF(out_value);
        return NULL;
    }
    pair = PyTuple_Pack(2, result, out_value);
    Py_DECREF(result);
    Py_DECREF(out_value);
    return pair;
}

%}

/* ---- blocking calls release the GIL ------------------------------------------------- */

%exception rtm_client_poll {
    Py_BEGIN_ALLOW_THREADS
    $action
    Py_END_ALLOW_THREADS
}
%exception rtm_client_new {
    Py_BEGIN_ALLOW_THREADS
    $action
    Py_END_ALLOW_THREADS
}
%exception rtm_client_free {
    Py_BEGIN_ALLOW_THREADS
    $action
    Py_END_ALLOW_THREADS
}

/* ---- strings in --------------------------------------------------------------------- */

%typemap(in) const char * {
    if ($input == Py_None) {
        $1 = NULL;
    } else if (!rtm_py_utf8($input, (const char **)&$1, "argument '$1_name'")) {
        SWIG_fail;
    }
}
%typemap(freearg) const char * "";
%typemap(typecheck, precedence=SWIG_TYPECHECK_STRING) const char * {
    $1 = $input == Py_None || PyUnicode_Check($input);
}

/* ---- out-parameters ----------------------------------------------------------------- */

%typemap(in, numinputs=0) uint64_t *request_id (uint64_t rid_temp = 0) {
    $1 = &rid_temp;
}
%typemap(argout) uint64_t *request_id {
    $result = rtm_py_pair($result, PyLong_FromUnsignedLongLong(rid_temp$argnum));
    if (!$result)
        SWIG_fail;
}

%typemap(in, numinputs=0) rtm_err_t *err (rtm_err_t err_temp = RTM_OK) {
    $1 = &err_temp;
}
%typemap(argout) rtm_err_t *err {
    $result = rtm_py_pair($result, PyLong_FromLong((long)err_temp$argnum));
    if (!$result)
        SWIG_fail;
}

/* ---- string lists ------------------------------------------------------------------- */

%typemap(in) (const char *const *LIST, size_t count) (PyObject *seq = NULL) {
    Py_ssize_t i, n;
    if (PyUnicode_Check($input) || PyBytes_Check($input)) {
        PyErr_SetString(PyExc_TypeError, "argument '$1_name' must be a sequence of str, not a "
                                         "single string");
        SWIG_fail;
    }
    seq = PySequence_Fast($input, "argument '$1_name' must be a sequence of str");
    if (!seq)
        SWIG_fail;
    n = PySequence_Fast_GET_SIZE(seq);
    $1 = ($1_ltype)PyMem_Malloc((size_t)(n ? n : 1) * sizeof(char *));
    if (!$1) {
        PyErr_NoMemory();
        SWIG_fail;
    }
    for (i = 0; i < n; i++) {
        if (!rtm_py_utf8(PySequence_Fast_GET_ITEM(seq, i), (const char **)&$1[i],
                         "each entry of '$1_name'"))
            SWIG_fail;
    }
    $2 = (size_t)n;
}
%typemap(freearg) (const char *const *LIST, size_t count) {
    PyMem_Free((void *)$1);
    Py_XDECREF(seq$argnum);
}
%apply (const char *const *LIST, size_t count) {
    (const char *const *peer_ids, size_t count),
    (const char *const *channel_ids, size_t count),
    (const char *const *keys, size_t count)
};

/* ---- attribute lists ---------------------------------------------------------------- */

%typemap(in) (const rtm_attribute_t *attributes, size_t count) (PyObject *seq = NULL) {
    Py_ssize_t i, n;
    if (PyDict_Check($input)) {
        seq = PyDict_Items($input); /* a new list of (key, value) tuples */
    } else if (PyUnicode_Check($input) || PyBytes_Check($input)) {
        PyErr_SetString(PyExc_TypeError,
                        "attributes must be a dict or a sequence of (key, value) pairs");
        SWIG_fail;
    } else {
        seq = PySequence_Fast($input,
                              "attributes must be a dict or a sequence of (key, value) pairs");
    }
    if (!seq)
        SWIG_fail;
    n = PySequence_Fast_GET_SIZE(seq);
    $1 = ($1_ltype)PyMem_Malloc((size_t)(n ? n : 1) * sizeof(rtm_attribute_t));
    if (!$1) {
        PyErr_NoMemory();
        SWIG_fail;
    }
    for (i = 0; i < n; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(seq, i);
        if (!(PyTuple_Check(pair) || PyList_Check(pair)) || PySequence_Fast_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "each attribute must be a (key, value) pair");
            SWIG_fail;
        }
        if (!rtm_py_utf8(PySequence_Fast_GET_ITEM(pair, 0), &$1[i].key, "an attribute key") ||
            !rtm_py_utf8(PySequence_Fast_GET_ITEM(pair, 1), &$1[i].value, "an attribute value"))
            SWIG_fail;
    }
    $2 = (size_t)n;
}
%typemap(freearg) (const rtm_attribute_t *attributes, size_t count) {
    PyMem_Free((void *)$1);
    Py_XDECREF(seq$argnum);
}

/* ---- binary payloads ---------------------------------------------------------------- */

%typemap(in) (const void *data, size_t len) (Py_buffer view, int have_view = 0) {
    if (PyUnicode_Check($input)) {
        PyErr_SetString(PyExc_TypeError, "raw message data must be bytes-like, not str");
        SWIG_fail;
    }
    if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) != 0)
        SWIG_fail;
    have_view = 1;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (const void *data, size_t len) {
    if (have_view$argnum)
        PyBuffer_Release(&view$argnum);
}

/* rtm_message_data: the bytes (borrowed from the message, copied into a bytes object). */
%typemap(in, numinputs=0) size_t *len (size_t len_temp = 0) {
    $1 = &len_temp;
}
%typemap(out) const void *rtm_message_data "";
%typemap(argout) size_t *len {
    Py_XDECREF($result);
    $result = result ? PyBytes_FromStringAndSize((const char *)result, (Py_ssize_t)len_temp$argnum)
                     : (Py_INCREF(Py_None), Py_None);
}

/* ---- strings returned to be freed --------------------------------------------------- */

%newobject rtm_token_build;
%typemap(newfree) char * "rtm_string_free($1);";
/* Only rtm_token_build returns a string the caller frees, and the typemap above frees it;
 * a Python str never holds a pointer librtm could free. */
%ignore rtm_string_free;

/* The one plain struct is only ever built by the attribute typemap. */
%ignore rtm_attribute;
