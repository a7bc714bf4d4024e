/* Java typemaps for rtm.i. The generated classes live in io.rtm.internal (rtm_native,
 * rtm_nativeJNI, one int-constant class per enum); the idiomatic layer io.rtm is built on them.
 *
 * Mapping:
 *  - opaque handles (rtm_client_t *, ...) are Java longs holding the pointer;
 *  - enums are int constants (io.rtm has the typed Java enums, checked against these);
 *  - uint64_t (request, message and invitation ids) is a Java long (same 64 bits);
 *  - const char * crosses as a byte[] of UTF-8 and is a String on the Java side (JNI's own
 *    "modified UTF-8" would mangle NULs and characters outside the BMP), NULL <-> null;
 *  - uint64_t *request_id and rtm_err_t *err are long[] / int[] out-parameters (null allowed);
 *  - string lists (const char *const *, size_t) are String[];
 *  - attribute arrays (const rtm_attribute_t *, size_t) are Map<String, String>;
 *  - payloads (const void *, size_t) are byte[], both ways, NULs included.
 * The native library is loaded by io.rtm.internal.NativeLoader (from the jar). */

%include <enumtypeunsafe.swg>

%pragma(java) jniclasscode=%{
  static {
    NativeLoader.load();
  }
%}

%{
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated malloc'd copy of a Java byte[] (UTF-8 from Utf8.encode, which refuses
 * NUL characters). NULL with an OutOfMemoryError pending when memory runs out. */
static char *rtm_java_cstr(JNIEnv *jenv, jbyteArray bytes)
{
    jsize n = (*jenv)->GetArrayLength(jenv, bytes);
    char *s = malloc((size_t)n + 1);
    if (!s) {
        SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "out of memory copying a string");
        return NULL;
    }
    (*jenv)->GetByteArrayRegion(jenv, bytes, 0, n, (jbyte *)s);
    s[n] = '\0';
    return s;
}

/* A new byte[] holding n bytes at p (p may be NULL only when n is 0). */
static jbyteArray rtm_java_bytes(JNIEnv *jenv, const void *p, size_t n)
{
    if (n > INT32_MAX) {
        SWIG_JavaThrowException(jenv, SWIG_JavaIndexOutOfBoundsException, "buffer too large for a Java array");
        return NULL;
    }
    jbyteArray a = (*jenv)->NewByteArray(jenv, (jsize)n);
    if (a && n)
        (*jenv)->SetByteArrayRegion(jenv, a, 0, (jsize)n, (const jbyte *)p);
    return a;
}

/* Frees the first n strings of v and v itself. */
static void rtm_java_free_strs(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Copies a byte[][] into a calloc'd array of n C strings (null elements stay NULL). Returns
 * 0 on success, -1 with a Java exception pending. */
static int rtm_java_strs(JNIEnv *jenv, jobjectArray arr, char ***out, size_t *count)
{
    jsize n = (*jenv)->GetArrayLength(jenv, arr);
    char **v = calloc(n ? (size_t)n : 1, sizeof(*v));
    if (!v) {
        SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "out of memory copying a string list");
        return -1;
    }
    for (jsize i = 0; i < n; i++) {
        jbyteArray b = (jbyteArray)(*jenv)->GetObjectArrayElement(jenv, arr, i);
        if (!b)
            continue;
        v[i] = rtm_java_cstr(jenv, b);
        (*jenv)->DeleteLocalRef(jenv, b);
        if (!v[i]) {
            rtm_java_free_strs(v, (size_t)i);
            return -1;
        }
    }
    *out = v;
    *count = (size_t)n;
    return 0;
}
%}

/* ---- opaque handles: the pointer as a long ------------------------------------------- */

%define RTM_JAVA_HANDLE(TYPE)
%typemap(jni) TYPE *, const TYPE * "jlong"
%typemap(jtype) TYPE *, const TYPE * "long"
%typemap(jstype) TYPE *, const TYPE * "long"
%typemap(javain) TYPE *, const TYPE * "$javainput"
%typemap(javaout) TYPE *, const TYPE * { return $jnicall; }
%typemap(in) TYPE *, const TYPE * %{ $1 = ($1_ltype)(intptr_t)$input; %}
%typemap(out) TYPE *, const TYPE * %{ $result = (jlong)(intptr_t)$1; %}
%enddef

RTM_JAVA_HANDLE(rtm_client_t)
RTM_JAVA_HANDLE(rtm_channel_t)
RTM_JAVA_HANDLE(rtm_invitation_t)
RTM_JAVA_HANDLE(rtm_message_t)
RTM_JAVA_HANDLE(rtm_event_t)
RTM_JAVA_HANDLE(rtm_config_t)

/* ---- 64-bit ids: a Java long with the same bits --------------------------------------- */

%typemap(jni) uint64_t "jlong"
%typemap(jtype) uint64_t "long"
%typemap(jstype) uint64_t "long"
%typemap(javain) uint64_t "$javainput"
%typemap(javaout) uint64_t { return $jnicall; }
%typemap(in) uint64_t %{ $1 = (uint64_t)$input; %}
%typemap(out) uint64_t %{ $result = (jlong)$1; %}

/* ---- out-parameters: uint64_t *request_id -> long[], rtm_err_t *err -> int[] ---------- */

%typemap(jni) uint64_t *request_id "jlongArray"
%typemap(jtype) uint64_t *request_id "long[]"
%typemap(jstype) uint64_t *request_id "long[]"
%typemap(javain) uint64_t *request_id "$javainput"
%typemap(in) uint64_t *request_id (uint64_t temp = 0) %{
  if ($input && (*jenv)->GetArrayLength(jenv, $input) < 1) {
    SWIG_JavaThrowException(jenv, SWIG_JavaIndexOutOfBoundsException, "request_id needs an array of one element");
    return $null;
  }
  $1 = $input ? &temp : NULL;
%}
%typemap(argout) uint64_t *request_id %{
  if ($input) {
    jlong rtm_id_out = (jlong)temp$argnum;
    (*jenv)->SetLongArrayRegion(jenv, $input, 0, 1, &rtm_id_out);
  }
%}

%typemap(jni) rtm_err_t *err "jintArray"
%typemap(jtype) rtm_err_t *err "int[]"
%typemap(jstype) rtm_err_t *err "int[]"
%typemap(javain) rtm_err_t *err "$javainput"
%typemap(in) rtm_err_t *err (rtm_err_t temp = RTM_OK) %{
  if ($input && (*jenv)->GetArrayLength(jenv, $input) < 1) {
    SWIG_JavaThrowException(jenv, SWIG_JavaIndexOutOfBoundsException, "err needs an array of one element");
    return $null;
  }
  $1 = $input ? &temp : NULL;
%}
%typemap(argout) rtm_err_t *err %{
  if ($input) {
    jint rtm_err_out = (jint)temp$argnum;
    (*jenv)->SetIntArrayRegion(jenv, $input, 0, 1, &rtm_err_out);
  }
%}

/* ---- strings: UTF-8 bytes across JNI, String in Java ---------------------------------- */

%typemap(jni) const char *, char * "jbyteArray"
%typemap(jtype) const char *, char * "byte[]"
%typemap(jstype) const char *, char * "String"
%typemap(javain) const char * "Utf8.encode($javainput)"
%typemap(javaout) const char *, char * { return Utf8.decode($jnicall); }
%typemap(in) const char * %{
  $1 = NULL;
  if ($input) {
    $1 = rtm_java_cstr(jenv, $input);
    if (!$1)
      return $null;
  }
%}
%typemap(freearg) const char * %{ free((char *)$1); %}
%typemap(out) const char *, char * %{ $result = $1 ? rtm_java_bytes(jenv, $1, strlen($1)) : NULL; %}

/* rtm_token_build returns a string the caller frees with rtm_string_free: the wrapper copies it
 * into Java and frees it, so rtm_string_free is called here and never from Java (a Java String
 * is a copy; handing it back would free memory librtm never allocated). */
%newobject rtm_token_build;
%typemap(newfree) char * "rtm_string_free($1);"
%ignore rtm_string_free;

/* ---- string lists: String[] ------------------------------------------------------------ */

%typemap(jni) (const char *const *STRINGS, size_t COUNT) "jobjectArray"
%typemap(jtype) (const char *const *STRINGS, size_t COUNT) "byte[][]"
%typemap(jstype) (const char *const *STRINGS, size_t COUNT) "String[]"
%typemap(javain) (const char *const *STRINGS, size_t COUNT) "Utf8.encodeAll($javainput)"
%typemap(in) (const char *const *STRINGS, size_t COUNT) (char **strs = NULL, size_t nstrs = 0) %{
  if ($input && rtm_java_strs(jenv, $input, &strs, &nstrs) != 0)
    return $null;
  $1 = ($1_ltype)strs;
  $2 = nstrs;
%}
%typemap(freearg) (const char *const *STRINGS, size_t COUNT) %{ rtm_java_free_strs(strs$argnum, nstrs$argnum); %}

%apply (const char *const *STRINGS, size_t COUNT) {
  (const char *const *peer_ids, size_t count),
  (const char *const *channel_ids, size_t count),
  (const char *const *keys, size_t count)
};

/* ---- attribute arrays: Map<String, String> ---------------------------------------------- */

/* The Map is flattened to key, value, key, value, ... (Utf8.encodePairs) and rebuilt as an
 * rtm_attribute_t array pointing into the copied strings. */
%typemap(jni) (const rtm_attribute_t *attributes, size_t count) "jobjectArray"
%typemap(jtype) (const rtm_attribute_t *attributes, size_t count) "byte[][]"
%typemap(jstype) (const rtm_attribute_t *attributes, size_t count) "java.util.Map<String, String>"
%typemap(javain) (const rtm_attribute_t *attributes, size_t count) "Utf8.encodePairs($javainput)"
%typemap(in) (const rtm_attribute_t *attributes, size_t count)
    (char **strs = NULL, size_t nstrs = 0, rtm_attribute_t *attrs = NULL) %{
  if ($input) {
    if (rtm_java_strs(jenv, $input, &strs, &nstrs) != 0)
      return $null;
    attrs = calloc(nstrs / 2 ? nstrs / 2 : 1, sizeof(*attrs));
    if (!attrs) {
      rtm_java_free_strs(strs, nstrs);
      SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "out of memory copying attributes");
      return $null;
    }
    for (size_t i = 0; i < nstrs / 2; i++) {
      attrs[i].key = strs[2 * i];
      attrs[i].value = strs[2 * i + 1];
    }
  }
  $1 = attrs;
  $2 = nstrs / 2;
%}
%typemap(freearg) (const rtm_attribute_t *attributes, size_t count) %{
  free(attrs$argnum);
  rtm_java_free_strs(strs$argnum, nstrs$argnum);
%}
/* The struct itself never crosses: attribute lists are Maps, attribute results are read with
 * rtm_event_attribute_*. */
%ignore rtm_attribute;

/* ---- payloads: byte[] both ways ---------------------------------------------------------- */

%typemap(jni) (const void *data, size_t len) "jbyteArray"
%typemap(jtype) (const void *data, size_t len) "byte[]"
%typemap(jstype) (const void *data, size_t len) "byte[]"
%typemap(javain) (const void *data, size_t len) "$javainput"
%typemap(in) (const void *data, size_t len) (void *buf = NULL) %{
  $2 = 0;
  if ($input) {
    jsize n = (*jenv)->GetArrayLength(jenv, $input);
    buf = malloc(n ? (size_t)n : 1);
    if (!buf) {
      SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "out of memory copying a payload");
      return $null;
    }
    (*jenv)->GetByteArrayRegion(jenv, $input, 0, n, (jbyte *)buf);
    $2 = (size_t)n;
  }
  $1 = buf;
%}
%typemap(freearg) (const void *data, size_t len) %{ free(buf$argnum); %}

/* rtm_message_data(message, &len): returns the bytes as a byte[] (the length is consumed here). */
%typemap(jni) const void *rtm_message_data "jbyteArray"
%typemap(jtype) const void *rtm_message_data "byte[]"
%typemap(jstype) const void *rtm_message_data "byte[]"
%typemap(javaout) const void *rtm_message_data { return $jnicall; }
%typemap(out) const void *rtm_message_data %{ $result = NULL; %}
%typemap(in, numinputs=0) size_t *len (size_t temp = 0) %{ $1 = &temp; %}
%typemap(argout) size_t *len %{ $result = rtm_java_bytes(jenv, result, result ? *$1 : 0); %}
